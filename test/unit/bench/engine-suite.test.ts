import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { benchData, spread, TINY } from '../../../bench/engine/harness';
import { assess, runEngineBench, type ConfigResult, type EngineBenchReport } from '../../../bench/engine/suite';

const torchInstalled = existsSync('/usr/lib/python3/dist-packages/torch');

describe('engine benchmark harness', () => {
  it("tokenizes every side of every pair to exactly the shape's sequence length, by the Trainer's tokenization", async () => {
    const data = await benchData({ shape: TINY, warmup: 1, reps: 2 });
    expect(data.pairs).toHaveLength(3);
    for (const p of data.pairs) {
      expect(p.chosen.inputIds).toHaveLength(TINY.seqLen);
      expect(p.rejected.inputIds).toHaveLength(TINY.seqLen);
      expect(p.chosen.lossMask.filter((m) => m === 1)).toHaveLength(TINY.seqLen / 2);
    }
  });

  it('reports the median with min and max', () => {
    expect(spread([5, 1, 3])).toEqual({ medianMs: 3, minMs: 1, maxMs: 5, n: 3 });
    expect(spread([4, 1, 2, 3]).medianMs).toBe(2.5);
  });

  it('sets the targets as ratios: PyTorch ÷ studio time per core, studio ÷ PyTorch peak RSS, median ÷ best at 2 threads', () => {
    const side = (medianMs: number, minMs: number, rss: number) => ({
      wall: { medianMs, minMs, maxMs: medianMs, n: 5 },
      cpu: { medianMs, minMs, maxMs: medianMs, n: 5 },
      tokensPerSecond: 1,
      peakRssBytes: rss,
      losses: [],
      loadAverage: [0, 0, 0],
    });
    const results: ConfigResult[] = [
      {
        threads: 1,
        mode: 'full',
        studio: { ...side(400, 390, 300), backend: 'wasm', notes: [] },
        torch: { ...side(200, 200, 250), split: { torch: 1, blas: 1 }, torchVersion: 't', blas: 'openblas' },
      },
      { threads: 2, mode: 'full', studio: { ...side(280, 200, 300), backend: 'wasm', notes: [] }, torch: { error: 'x' } },
    ];
    const { targets } = assess(results, [1, 2]);
    const byName = Object.fromEntries(targets.map((t) => [t.name, t]));
    expect(byName['per-core training step (full fine-tune) speed']).toMatchObject({ value: 0.5, met: true });
    expect(byName['peak RSS, training step (full fine-tune)']).toMatchObject({ value: 1.2, met: true });
    expect(byName['2-thread median vs best, training step (full fine-tune)']).toMatchObject({ value: 1.4, met: false });
  });

  it('without PyTorch, measures the studio side alone and says why the peer is missing', async () => {
    const report = await runEngineBench({
      shape: TINY,
      warmup: 0,
      reps: 1,
      threads: [1],
      modes: ['forward'],
      python: '/nonexistent/python3',
    });
    expect(report.torch).toMatchObject({ available: false, reason: expect.stringMatching(/ENOENT/) as unknown });
    const [only] = report.results;
    expect(only!.studio).toMatchObject({ backend: 'wasm', wall: { n: 1 } });
    expect(report.targets.find((t) => t.name.startsWith('per-core forward'))).toMatchObject({ value: null, met: null });
  }, 60_000);

  it('`npm run bench -- engine --out FILE` runs the real Trainer (full, LoRA) and the scoring forward on both sides and writes FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-bench-'));
    const out = join(dir, 'engine.json');
    try {
      await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', 'engine', '--shape', 'tiny', '--reps', '2', '--warmup', '1', '--threads', '1', '--out', out],
        { timeout: 120_000 },
      );
      const report = JSON.parse(readFileSync(out, 'utf8')) as EngineBenchReport;
      expect(report.results.map((r) => r.mode)).toEqual(['forward', 'full', 'lora']);
      expect(report.machine.loadAverage).toHaveLength(3);
      for (const r of report.results) {
        if ('error' in r.studio) throw new Error(r.studio.error);
        expect(r.studio.wall.n).toBe(2);
        expect(r.studio.peakRssBytes).toBeGreaterThan(0);
        if (r.mode !== 'forward') expect(r.studio.losses.every(Number.isFinite)).toBe(true);
        if (!torchInstalled) continue;
        if ('error' in r.torch) throw new Error(r.torch.error);
        expect(r.torch.wall.n).toBe(2);
      }
      const perCore = report.targets.find((t) => t.name === 'per-core training step (LoRA) speed')!;
      expect(perCore.value === null).toBe(!torchInstalled);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
