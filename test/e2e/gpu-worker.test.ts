/**
 * The GPU worker page (renderer/gpu-worker) in headless Chromium on its
 * WebGPU (SwiftShader, a software adapter, on machines without a GPU), with a
 * test bridge in place of the app's preload whose file access is the host's
 * own (main/gpu-host/file-access.ts) over real folders. The page runs the
 * same engine and train task as a Node worker: logits and losses are checked
 * against the Node engine on wasm, and what the page writes (checkpoints, the
 * exported model) is read back by the Node engine.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FromWorker } from '../../main/core/jobs/protocol';
import { FileAccess } from '../../main/gpu-host/file-access';
import type { SnapshotRows } from '../../main/gpu-host/protocol';
import { initBackend } from '../../main/engine/backend';
import { loadModel } from '../../main/engine';
import { listCheckpoints, Trainer, verifyCheckpoint } from '../../main/training';
import type { RecordContent } from '../../shared/datasets';
import { launchChromium } from '../helpers/browser';
import { launchWebGpuChromium, installStubBridge, serveGpuWorkerPage } from '../helpers/gpu-worker-page';
import { tempDir } from '../helpers/tmp';
import { baseConfig, syntheticRecords, TINY_LLAMA, tinyTokenizer } from '../unit/training/fixtures';

const t = tempDir('studio-gpu-worker-');
let browser: Browser;
let page: { url: string; close(): Promise<void> };

beforeAll(async () => {
  page = await serveGpuWorkerPage(join(t.dir, 'page'));
  browser = await launchWebGpuChromium();
  await initBackend({ backend: 'wasm' });
});

afterAll(async () => {
  await browser?.close();
  await page?.close();
  t.cleanup();
});

/** The browser runInPage uses (a test may swap in one without WebGPU). */
let active: () => Browser = () => browser;

interface PageRun {
  messages: FromWorker[];
  outcome: Extract<FromWorker, { type: 'done' | 'error' }>;
  errors: string[];
}

/** One job in a fresh page, as the app's host runs one per window: sends `run` and collects what the page posts. */
async function runInPage(kind: string, payload: unknown, opts: { access: FileAccess; snapshot?: SnapshotRows }): Promise<PageRun> {
  const context = await active().newContext();
  const tab = await context.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  tab.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const messages: FromWorker[] = [];
  let settle!: (m: PageRun['outcome']) => void;
  const outcome = new Promise<PageRun['outcome']>((resolve) => (settle = resolve));
  const send = await installStubBridge(tab, {
    file: (request) => opts.access.serve(request),
    snapshot: (id) =>
      Promise.resolve(
        opts.snapshot ? { ok: true, value: opts.snapshot } : { ok: false, error: { code: 'ENOENT', message: `no snapshot ${id}` } },
      ),
    post: (message) => {
      messages.push(message);
      if (message.type === 'done' || message.type === 'error') settle(message);
    },
  });
  try {
    await tab.goto(page.url);
    await send({ type: 'run', kind, payload, platform: process.platform });
    return { messages, outcome: await outcome, errors };
  } finally {
    await context.close();
  }
}

const GOLDEN = JSON.parse(readFileSync(join(TINY_LLAMA, 'golden.json'), 'utf8')) as { sequences: { ids: number[]; logits: number[][] }[] };

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('the GPU worker page in headless Chromium', () => {
  it("computes the tiny Llama's logits on Chromium's WebGPU within 1e-4 of the Node engine on wasm", async () => {
    const sequences = GOLDEN.sequences.map((s) => s.ids);
    const run = await runInPage(
      'gpu-probe',
      { modelDir: TINY_LLAMA, sequences },
      { access: new FileAccess({ read: [TINY_LLAMA], write: [] }) },
    );
    expect(run.outcome.type, JSON.stringify(run.outcome)).toBe('done');
    const result = (run.outcome as { result: { backend: string; adapter: { vendor: string; fallback: boolean }; logits: number[][][] } })
      .result;
    expect(result.backend).toBe('webgpu');
    console.log(`GPU worker page adapter: ${JSON.stringify(result.adapter)}`);

    const { model } = await loadModel(TINY_LLAMA);
    expect(tf.getBackend()).toBe('wasm');
    let worst = 0;
    sequences.forEach((ids, i) => {
      const out = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'));
      const node = out.arraySync()[0]!;
      out.dispose();
      worst = Math.max(worst, maxAbsDiff(result.logits[i]!.flat(), node.flat()));
      // And the reference forward in PyTorch (test/golden/make_golden.py), as the Node engine is held to.
      expect(maxAbsDiff(result.logits[i]!.flat(), GOLDEN.sequences[i]!.logits.flat())).toBeLessThanOrEqual(1e-4);
    });
    model.dispose();
    console.log(`GPU worker page logits vs Node wasm: max |Δ| = ${worst.toExponential(2)} over ${sequences.length} sequences`);
    expect(worst).toBeLessThanOrEqual(1e-4);
    expect(run.errors).toEqual([]);
  });

  it('runs the train task on WebGPU: the losses of 3 MMPO steps match the Node trainer on wasm, and Node reads its checkpoint and model', async () => {
    const records = syntheticRecords(10);
    const train = records.slice(0, 8);
    const test = records.slice(8);
    const config = baseConfig({ maxSteps: 3, evalEvery: 3, checkpointEvery: 2 });
    const runDir = join(t.dir, 'run-1');
    const referenceDir = join(t.dir, 'reference-cache');
    mkdirSync(runDir, { recursive: true });
    const row = (r: RecordContent, split: 'train' | 'test') => ({ ...r, meta: {}, source: { file: null, line: null, row: null }, split });
    const snapshot: SnapshotRows = {
      contentHash: 'test-snapshot',
      rows: [...train.map((r) => row(r, 'train')), ...test.map((r) => row(r, 'test'))],
    };
    const payload = { runId: 1, dbPath: join(t.dir, 'no-database-in-the-page.db'), snapshotId: 1, config, dir: runDir, referenceDir };
    const run = await runInPage('train', payload, {
      access: new FileAccess({ read: [TINY_LLAMA], write: [runDir, referenceDir] }),
      snapshot,
    });
    expect(run.outcome.type, JSON.stringify(run.outcome)).toBe('done');
    const events = run.messages.filter((m): m is Extract<FromWorker, { type: 'event' }> => m.type === 'event');
    const start = events.find((e) => e.name === 'start')!.data as { backend: string; step: number };
    expect(start).toMatchObject({ backend: 'webgpu', step: 0 });
    const pageLosses = events.filter((e) => e.name === 'step').map((e) => (e.data as { metrics: { loss: number } }).metrics.loss);
    expect(pageLosses).toHaveLength(3);

    // The same run in Node, on wasm.
    const { model, tokenizer } = await loadModel(TINY_LLAMA);
    const trainer = await Trainer.create({
      config,
      model,
      tokenizer: tokenizer ?? (await tinyTokenizer()),
      records: train,
      testRecords: test,
    });
    const nodeLosses: number[] = [];
    for (let i = 0; i < 3; i++) nodeLosses.push((await trainer.step()).metrics['loss']!);
    trainer.dispose();
    model.dispose();
    console.log(
      `GPU worker page losses ${pageLosses.map((l) => l.toFixed(6)).join(', ')} vs Node wasm ${nodeLosses.map((l) => l.toFixed(6)).join(', ')}`,
    );
    pageLosses.forEach((loss, i) =>
      expect(Math.abs(loss - nodeLosses[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(nodeLosses[i]!))),
    );

    // Written through the bridge, read by the Node engine: the checkpoint verifies (its sha256 manifest) and the export loads.
    const saved = await listCheckpoints(runDir);
    expect(saved.map((c) => c.step)).toEqual([2, 3]);
    for (const c of saved) expect(await verifyCheckpoint(c.dir)).toEqual({ ok: true });
    const exported = await loadModel(join(runDir, 'model'));
    expect(exported.model.config.vocabSize).toBeGreaterThan(0);
    exported.model.dispose();
    expect(run.errors).toEqual([]);
  });

  it('fails the job with a sentence saying so where Chromium offers no WebGPU adapter, reading no file', async () => {
    // The studio's usual test Chromium runs with --disable-gpu and without --enable-unsafe-webgpu: no adapter.
    const plain = await launchChromium();
    active = () => plain;
    const asked: string[] = [];
    const access = new FileAccess({ read: [TINY_LLAMA], write: [] });
    try {
      const run = await runInPage(
        'gpu-probe',
        { modelDir: TINY_LLAMA, sequences: [[1, 2]] },
        {
          access: Object.assign(Object.create(access) as FileAccess, {
            serve: (r: Parameters<FileAccess['serve']>[0]) => (asked.push(r.op), access.serve(r)),
          }),
        },
      );
      expect(run.outcome).toMatchObject({ type: 'error', error: { code: 'BACKEND_UNAVAILABLE' } });
      expect((run.outcome as { error: { message: string } }).error.message).toMatch(/WebGPU.*run the job on another backend/);
      expect(asked).toEqual([]);
    } finally {
      active = () => browser;
      await plain.close();
    }
  });
});
