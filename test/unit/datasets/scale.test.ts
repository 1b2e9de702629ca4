// Many rows: every bad row is reported at its own place and every good one
// arrives; a preview of a big file reads only its head.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile, previewFile, streamFile } from '../../../main/core/datasets/formats';

const ROWS = 20_000;

function lines(count: number, brokenEvery: number): string {
  const out: string[] = [];
  for (let i = 1; i <= count; i++) {
    out.push(
      i % brokenEvery === 0
        ? `{"prompt": "p${i}", "chosen": `
        : JSON.stringify({ prompt: `p${i}`, chosen: `good ${i}`, rejected: `bad ${i}` }),
    );
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
    expect(progress.at(-1)).toBe(ROWS);
  });

  it('streams JSON Lines from disk to the same records and errors as reading the bytes whole', async () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    const row = (prompt: string, chosen = 'good') => JSON.stringify({ prompt, chosen, rejected: 'bad' });
    // 9 MB in one line spans several 4 MB read chunks.
    const parts = [
      encode(`\uFEFF${row('first')}\r\n\r\n${row('huge', 'h'.repeat(9 * 1024 * 1024))}\r\n{"prompt": "x", "cho`),
      encode(`\n{"prompt": "\u00e9`),
      new Uint8Array([0xe9, 0x80]),
      encode(`", "chosen": "a", "rejected": "b"}\n${lines(3000, 1000)}{"prompt": "cut`),
    ];
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
    const path = join(dir, 'stream.jsonl');
    writeFileSync(path, bytes);

    const progress: number[] = [];
    const batches = streamFile(path, { batchRows: 500, onProgress: ({ bytesDone }) => progress.push(bytesDone) });
    let batchCount = 0;
    let step = await batches.next();
    for (; !step.done; step = await batches.next()) batchCount++;
    expect(batchCount).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(bytes.length);

    const streamed = await parseFile(path);
    const whole = await parseFile(bytes, { file: 'stream.jsonl', container: 'jsonl' });
    expect(streamed.records).toEqual(whole.records);
    expect(streamed.errors).toEqual(whole.errors);
    expect(streamed.stats).toEqual({ ...whole.stats, elapsedMs: streamed.stats.elapsedMs });
    expect(streamed.records[1]!.chosen![0]!.content).toHaveLength(9 * 1024 * 1024);
    expect(streamed.errors.filter((e) => e.severity === 'error').map((e) => [e.line, e.code])).toEqual([
      [4, 'json-syntax'],
      [5, 'invalid-utf8'],
      [1005, 'json-syntax'],
      [2005, 'json-syntax'],
      [3005, 'json-syntax'],
      [3006, 'truncated'],
    ]);
  });

  it('reads a JSON array saved under a .jsonl name as JSON', async () => {
    const path = join(dir, 'misnamed.jsonl');
    writeFileSync(path, `[\n  ${JSON.stringify({ prompt: 'p', chosen: 'c', rejected: 'r' })}\n]\n`);
    const result = await parseFile(path);
    expect(result.container).toBe('json');
    expect(result.errors).toEqual([]);
    expect(result.records.map((r) => r.source)).toEqual([{ file: 'misnamed.jsonl', line: 2, row: 1 }]);
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
