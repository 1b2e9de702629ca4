// Many rows: every bad row is reported at its own place and every good one
// arrives; a preview of a big file reads only its head.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile, previewFile } from '../../../main/core/datasets/formats';

const ROWS = 20_000;

function lines(count: number, brokenEvery: number): string {
  const out: string[] = [];
  for (let i = 1; i <= count; i++) {
    out.push(i % brokenEvery === 0 ? `{"prompt": "p${i}", "chosen": ` : JSON.stringify({ prompt: `p${i}`, chosen: `good ${i}`, rejected: `bad ${i}` }));
  }
  return `${out.join('\n')}\n`;
}

describe('at scale', () => {
  const dir = mkdtempSync(join(tmpdir(), 'datasets-scale-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps all good rows of ${ROWS} and locates each bad one, reporting progress`, async () => {
    const progress: number[] = [];
    const result = await parseFile(new TextEncoder().encode(lines(ROWS, 1000)), {
      file: 'many.jsonl',
      onProgress: ({ rowsDone }) => progress.push(rowsDone),
    });
    expect(result.stats).toMatchObject({ rowsSeen: ROWS, imported: ROWS - 20, rejected: 20 });
    expect(result.errors.map((e) => e.line)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
    expect(result.records.at(-1)!.source).toEqual({ file: 'many.jsonl', line: ROWS - 1, row: ROWS - 1 });
    expect(progress.at(-1)).toBe(ROWS - 20);
  });

  it('previews a file larger than the preview window from its head, without a false "cut off" error', async () => {
    const path = join(dir, 'big.jsonl');
    const row = JSON.stringify({ prompt: 'p'.repeat(2000), chosen: 'c'.repeat(2000), rejected: 'r'.repeat(2000) });
    writeFileSync(path, `${Array.from({ length: 1600 }, () => row).join('\n')}\n`);
    const preview = await previewFile(path, { sampleSize: 5000 });
    expect(preview.format).toBe('trl-standard');
    expect(preview.errors).toEqual([]);
    expect(preview.sampleRecords.length).toBeGreaterThan(1000);
    expect(preview.sampleRecords.length).toBeLessThan(1600);
  });
});
