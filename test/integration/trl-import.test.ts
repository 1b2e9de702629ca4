/**
 * Importing a TRL run back (issue 16 items 6, 7, 8), in a real workspace with
 * real worker processes: output folders the test writes the way TRL lays
 * them out (trainer_state.json, checkpoint-N/ with the tiny Llama fixture's
 * safetensors, the export's data/manifest.json and config.json beside them)
 * — one that grows between imports as a cluster job's shared folder does,
 * one with bad entries — and, in the venv, the output of a real
 * `accelerate launch` of an exported project, whose PEFT checkpoint is then
 * evaluated by the studio.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../shared/objectives';
import type { Run } from '../../shared/runs';
import type { TrlImportResult } from '../../shared/trl-import';
import type { EvalResult } from '../../shared/evals';
import { createStudio, type Studio } from '../../main/core/studio';
import { call, jobSettled } from '../../main/core/client';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
import { smallDemoAssets } from '../helpers/small-demo';
import { tempDir } from '../helpers/tmp';
import { requireVenv, runPython, skipPython, TRL_VENV } from '../helpers/python-venv';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../../main/engine/hf/folder';
import { loadLora } from '../../main/engine/lora';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-llama');
const t = tempDir('trl-import-');
const workspaceDir = join(t.dir, 'ws');
let studio: Studio;
let snapshot = { id: 0, name: '', contentHash: '', trainCount: 0, testCount: 0 };

beforeAll(async () => {
  // A small demo (test/helpers/small-demo.ts): what is exported and trained is the snapshot's rows, whatever their number.
  studio = createStudio({ workspaceDir, assetsDir: smallDemoAssets(t.dir) });
  await studio.seedDemo();
  await call(studio, 'models.register', { path: FIXTURE });
  snapshot = (await call(studio, 'snapshots.list', {}))[0]!;
});
afterAll(async () => {
  await studio?.close();
  t.cleanup();
});

/** A small text for a perplexity item: an evaluation that loads the checkpoint and scores it, quickly. */
function textItem() {
  const path = join(t.dir, 'text.txt');
  writeFileSync(path, 'The quick brown fox jumps over the lazy dog. Every checkpoint is scored on the same words.\n');
  return { kind: 'perplexity' as const, textPath: path };
}

const importTrl = (dir: string, project?: string) => call(studio, 'runs.importTrl', { dir, ...(project ? { project } : {}) });

async function refusal(dir: string): Promise<string> {
  const res = await studio.dispatch('runs.importTrl', { dir });
  if (res.ok) throw new Error('runs.importTrl was expected to refuse');
  return res.error.message;
}

function cli(...args: string[]) {
  const res = spawnSync(process.execPath, [STUDIO_BIN, ...args, '--workspace', workspaceDir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

/** A log_history train entry as TRL's DPOTrainer writes it (its names; `epoch`, `step`), and an eval entry. */
const trainEntry = (step: number, loss: number) => ({
  loss,
  grad_norm: 1.5 + step,
  learning_rate: 5e-4 * step,
  'rewards/chosen': 0.1 * step,
  'rewards/rejected': -0.1 * step,
  'rewards/accuracies': 0.5,
  'rewards/margins': 0.2 * step,
  'logps/chosen': -9 - step,
  'logps/rejected': -12 - step,
  'mmpo/weight_chosen': 0.9,
  epoch: step / 10,
  step,
});
const evalEntry = (step: number) => ({
  eval_loss: 0.7,
  'eval_rewards/accuracies': 0.75,
  'eval_rewards/margins': 0.3,
  'eval_logps/chosen': -10,
  'eval_logps/rejected': -13,
  eval_runtime: 1.2,
  eval_samples_per_second: 50,
  eval_steps_per_second: 3,
  epoch: step / 10,
  step,
});

const state = (globalStep: number, logHistory: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ global_step: globalStep, max_steps: 4, epoch: globalStep / 10, log_history: logHistory, ...extra }, null, 2);

/** checkpoint-N/ with a full model (the fixture's config, sharded safetensors and tokenizer) and its trainer_state.json. */
function checkpoint(output: string, step: number, log: unknown[]): void {
  const dir = join(output, `checkpoint-${step}`);
  cpSync(FIXTURE, dir, { recursive: true, filter: (p) => !p.endsWith('golden.json') });
  writeFileSync(join(dir, 'trainer_state.json'), state(step, log));
}

/** The exported project around an output folder: data/manifest.json (the snapshot's hash) and config.json (studio block, model). */
function project(dir: string, contentHash: string): string {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(
    join(dir, 'data', 'manifest.json'),
    JSON.stringify({ snapshot: { id: 1, name: 'demo v1', contentHash }, train: { rows: 334 }, test: { rows: 66 } }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      studio: { run: null, name: 'cluster mmpo', objective: PRESETS.mmpo },
      model_name_or_path: FIXTURE,
      trainer: 'mmpo',
      args: { learning_rate: 5e-4, per_device_train_batch_size: 2, gradient_accumulation_steps: 1, max_steps: 4 },
      peft: null,
    }),
  );
  mkdirSync(join(dir, 'output'), { recursive: true });
  return join(dir, 'output');
}

describe('a run still going on a cluster, imported twice', () => {
  let first: TrlImportResult;
  let second: TrlImportResult;
  let output = '';
  const log = [trainEntry(1, 0.69), trainEntry(2, 0.65), evalEntry(2), trainEntry(3, 0.6), trainEntry(4, 0.55), evalEntry(4)];

  beforeAll(async () => {
    output = project(join(t.dir, 'growing'), snapshot.contentHash);
    // While it runs: checkpoint-2 only, holding the log so far (TRL writes the top-level trainer_state.json at the end).
    checkpoint(output, 2, log.slice(0, 3));
    first = await importTrl(join(t.dir, 'growing'));
    // Later: two more steps, checkpoint-4, and the final state.
    checkpoint(output, 4, log);
    writeFileSync(
      join(output, 'trainer_state.json'),
      state(4, [...log, { train_runtime: 9, train_loss: 0.62, total_flos: 0, epoch: 0.4, step: 4 }]),
    );
    second = await importTrl(output);
  }, 120_000);

  it('imports the log so far as a run marked trl, on the snapshot the manifest names, with the checkpoint there', async () => {
    expect(first).toMatchObject({
      created: true,
      dir: output,
      logEntries: 3,
      lastStep: 2,
      checkpoints: { added: [2], known: [], removed: [] },
      snapshot: { hash: snapshot.contentHash, id: snapshot.id, name: snapshot.name },
      skipped: [],
    });
    const run = await call(studio, 'runs.get', { id: first.runId });
    expect(run).toMatchObject({
      name: 'cluster mmpo (TRL)',
      snapshotId: snapshot.id,
      snapshotHash: snapshot.contentHash,
      imported: { origin: 'trl', sourceDir: output, snapshotHash: snapshot.contentHash, snapshotMatched: true },
      config: { model: { kind: 'folder', path: FIXTURE }, optimizer: { lr: 5e-4 }, microBatchSize: 2, maxSteps: 4, evalSuite: null },
      totalSteps: 4,
      trainPairs: 334,
      testPairs: 66,
    });
    expect((await call(studio, 'runs.list', {})).find((r) => r.id === run.id)?.imported?.origin).toBe('trl');
  });

  it('re-importing adds the new steps and checkpoint to the same run, and duplicates nothing', async () => {
    expect(second).toMatchObject({
      runId: first.runId,
      created: false,
      logEntries: 7,
      lastStep: 4,
      checkpoints: { added: [4], known: [2], removed: [] },
    });
    expect(second.stateFile).toBe(join(output, 'trainer_state.json'));
    const series = await call(studio, 'runs.metrics', { id: first.runId });
    // TRL's names → the studio's: train names as they are, eval_* under eval/ (the five the studio logs under its own names).
    expect(series['loss']).toEqual({ steps: [1, 2, 3, 4], values: [0.69, 0.65, 0.6, 0.55] });
    expect(series['rewards/margins']?.steps).toEqual([1, 2, 3, 4]);
    expect(series['eval/loss']).toEqual({ steps: [2, 4], values: [0.7, 0.7] });
    expect(series['eval/reward_accuracy']).toEqual({ steps: [2, 4], values: [0.75, 0.75] });
    expect(series['eval/reward_margin']?.values).toEqual([0.3, 0.3]);
    expect(series['eval/logp_margin']?.values).toEqual([3, 3]);
    expect(series['eval/logps/chosen']?.values).toEqual([-10, -10]);
    expect(series['epoch']?.steps).toEqual([1, 2, 3, 4]);
    // The Trainer's timings and totals are not metrics.
    expect(Object.keys(series).filter((n) => /runtime|per_second|flos|train_loss/.test(n))).toEqual([]);
    const checkpoints = await call(studio, 'runs.checkpoints', { id: first.runId });
    expect(checkpoints.map((c) => [c.step, c.epoch, c.path])).toEqual([
      [4, 0.4, join(output, 'checkpoint-4')],
      [2, 0.2, join(output, 'checkpoint-2')],
    ]);
    expect((await call(studio, 'runs.list', {})).filter((r) => r.imported?.sourceDir === output)).toHaveLength(1);
  });

  it('a third import changes nothing and hashes nothing again', async () => {
    const before = await call(studio, 'runs.metrics', { id: first.runId });
    const again = await importTrl(output);
    expect(again).toMatchObject({ runId: first.runId, valuesAdded: 0, checkpoints: { added: [], known: [2, 4], removed: [] } });
    expect(await call(studio, 'runs.metrics', { id: first.runId })).toEqual(before);
    const run = await call(studio, 'runs.get', { id: first.runId });
    expect(run.status).toBe('succeeded');
  });

  it('evaluates, through the eval job, an imported checkpoint (a full model in safetensors)', async () => {
    const job = await call(studio, 'evals.start', { model: { runId: first.runId, step: 4 }, suite: { items: [textItem()] } });
    const done = await jobSettled(studio, job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const evaluated = (await call(studio, 'evals.list', {})).find((r: EvalResult) => r.runId === first.runId && r.runStep === 4)!;
    expect(evaluated.metrics['perplexity']).toBeGreaterThan(1);
  }, 120_000);

  it('generates with its imported checkpoints side by side, as with the studio’s own', async () => {
    const set = {
      columns: [
        { runId: first.runId, step: 2 },
        { runId: first.runId, step: 4 },
      ],
      prompts: { texts: ['Name a colour.'] },
      sampling: { maxTokens: 4 },
    };
    const jobs = await call(studio, 'compare.generate', set);
    for (const job of jobs) {
      const done = await jobSettled(studio, job.id);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    }
    const generated = await call(studio, 'compare.generations', set);
    expect(generated.rows).toHaveLength(1);
    expect(generated.rows[0]!.cells.map((c) => typeof c.text)).toEqual(['string', 'string']);
  }, 120_000);

  it('a checkpoint folder removed on the cluster (save_total_limit) leaves the run on the next import, said so', async () => {
    rmSync(join(output, 'checkpoint-2'), { recursive: true });
    const again = await importTrl(output);
    expect(again.checkpoints).toEqual({ added: [], known: [4], removed: [2] });
    expect(again.skipped).toEqual([{ what: 'checkpoint-2', reason: 'imported before, but no longer in the folder; removed from the run' }]);
    expect((await call(studio, 'runs.checkpoints', { id: first.runId })).map((c) => c.step)).toEqual([4]);
  }, 60_000);
});

describe('bad input', () => {
  it('imports what is valid from a trainer_state.json with unknown keys, NaN losses and broken checkpoints, and lists what it skipped', async () => {
    const output = project(join(t.dir, 'bad'), 'f'.repeat(64));
    checkpoint(output, 2, []);
    mkdirSync(join(output, 'checkpoint-4')); // a checkpoint whose files never arrived
    mkdirSync(join(output, 'checkpoint-6'));
    writeFileSync(join(output, 'checkpoint-6', 'pytorch_model.bin'), 'x');
    // Python's json writes NaN and Infinity bare, which JSON.parse refuses: the file must still be read.
    const text = state(
      6,
      [
        trainEntry(1, 0.7),
        { ...trainEntry(2, 0.6), loss: '__NAN__', grad_norm: '__INF__', my_custom_metric: 3 },
        { ...trainEntry(3, 0.5), my_custom_metric: 4, note: 'hello' },
        { loss: 0.4 },
      ],
      { my_callback_state: { a: 1 }, best_model_checkpoint: join(output, 'checkpoint-1') },
    )
      .replace('"__NAN__"', 'NaN')
      .replace('"__INF__"', 'Infinity');
    writeFileSync(join(output, 'trainer_state.json'), text);

    const result = await importTrl(output);
    expect(result.checkpoints.added).toEqual([2]);
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { what: 'trainer_state.json key "my_callback_state"', reason: 'not a key the HF Trainer writes; ignored' },
        { what: 'step 2: loss', reason: 'is NaN' },
        { what: 'step 2: grad_norm', reason: 'is Infinity' },
        { what: 'log_history[3]', reason: 'no step (step is undefined)' },
        { what: 'log_history key "my_custom_metric"', reason: 'not a metric the studio knows (in 2 entries)' },
        { what: 'log_history key "note"', reason: 'not a metric the studio knows (in 1 entry)' },
        {
          what: 'checkpoint-4',
          reason:
            'holds neither a model (config.json + model.safetensors) nor a PEFT adapter (adapter_config.json + adapter_model.safetensors)',
        },
        { what: 'checkpoint-6', reason: 'holds pytorch_model.bin only; the studio reads safetensors (save with safe_serialization=True)' },
        { what: 'checkpoint-1', reason: `named as best_model_checkpoint in trainer_state.json but not in ${output}` },
      ]),
    );
    const series = await call(studio, 'runs.metrics', { id: result.runId });
    expect(series['loss']).toEqual({ steps: [1, 3], values: [0.7, 0.5] });
    // The rest of step 2's entry is kept.
    expect(series['rewards/margins']?.steps).toEqual([1, 2, 3]);
    // No snapshot here has the manifest's hash: the run is kept, with the hash recorded and said.
    expect(result.snapshot).toMatchObject({ hash: 'f'.repeat(64), id: null });
    expect(result.snapshot.message).toContain(`No snapshot in this workspace has the content hash ${'f'.repeat(64)}`);
    const run = await call(studio, 'runs.get', { id: result.runId });
    expect(run).toMatchObject({ snapshotId: 0, snapshotHash: 'f'.repeat(64), imported: { snapshotMatched: false } });
  }, 60_000);

  it('refuses to re-run or export a run imported on a snapshot this workspace lacks, in one sentence naming the folder and the hash', async () => {
    const output = join(t.dir, 'bad', 'output');
    const run = (await call(studio, 'runs.list', {})).find((r) => r.imported?.sourceDir === output)!;
    const sentence =
      `Run #${run.id} was imported from ${output} on a snapshot this workspace lacks (content hash ${'f'.repeat(64)}); ` +
      'import that snapshot and import the run again to match it, or pick a snapshot in the run launcher.';
    const jobsBefore = (await call(studio, 'jobs.list', {})).length;
    const out = join(t.dir, 'export-of-imported');
    for (const [method, args] of [
      ['runs.rerun', { id: run.id }],
      ['runs.exportTrl', { id: run.id, out }],
    ] as const) {
      const res = await studio.dispatch(method, args);
      expect(res.ok, method).toBe(false);
      if (!res.ok) expect(res.error, method).toMatchObject({ code: 'CONFLICT', message: sentence });
    }
    // Nothing started, nothing written (before, the export's job failed on "No snapshot #0").
    expect((await call(studio, 'jobs.list', {})).length).toBe(jobsBefore);
    expect(existsSync(out)).toBe(false);
    const cliRes = cli('export-job', String(run.id), '--target', 'trl', '--out', out);
    expect(cliRes.code).toBe(1);
    expect(cliRes.err).toContain(sentence);
  }, 120_000);

  it('refuses a folder that is not a TRL output in one sentence naming the file it expected, starting no job', async () => {
    const empty = join(t.dir, 'not-trl');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'hello');
    const jobsBefore = (await call(studio, 'jobs.list', {})).length;
    expect(await refusal(empty)).toBe(
      `${empty} is not a TRL output folder: it has no trainer_state.json (TRL writes one there when training ends, and one into each checkpoint-N/ folder while it runs).`,
    );
    expect(await refusal(join(t.dir, 'nowhere'))).toBe(`${join(t.dir, 'nowhere')} does not exist.`);
    expect((await call(studio, 'jobs.list', {})).length).toBe(jobsBefore);
    expect(readdirSync(empty)).toEqual(['notes.txt']);
  });

  it('studio import-run prints the run, the snapshot and what it skipped; a wrong folder exits 1 with the sentence', () => {
    const bad = join(t.dir, 'bad', 'output');
    const res = cli('import-run', bad);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(
      /^Updated run #\d+ from .*: 4 log entries \(0 new values, last step 3\), checkpoints 0 new, 1 already imported\./,
    );
    expect(res.out).toContain('No snapshot in this workspace has the content hash');
    expect(res.out).toContain('  step 2: loss: is NaN');
    expect(res.out).toContain('  checkpoint-4: holds neither a model');
    const wrong = cli('import-run', join(t.dir, 'not-trl'));
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('is not a TRL output folder: it has no trainer_state.json');
  }, 120_000);
});

// ---------------------------------------------------------------------------
// The output of a real TRL run: an exported project trained for 2 steps by accelerate launch. This is also the TRL
// export's own test of train.py (issue 16): that it trains under accelerate and writes what TRL writes.

describe.skipIf(skipPython)('a real TRL output (accelerate launch of an exported project)', () => {
  let result: TrlImportResult;
  let projectDir = '';
  beforeAll(async () => {
    requireVenv();
    const model = (await call(studio, 'models.list', {})).find((m) => m.path === FIXTURE)!;
    const exported = await call(studio, 'runs.exportTrl', {
      config: {
        snapshotId: snapshot.id,
        modelId: model.id,
        config: {
          objective: PRESETS['mmpo-mml'],
          lora: { rank: 2 },
          microBatchSize: 2,
          gradAccumulation: 1,
          maxLength: 128,
          maxPromptLength: 96,
          evalEvery: 1000,
          checkpointEvery: 1,
        },
      },
      out: join(t.dir, 'real-project'),
    });
    projectDir = exported.path;
    const res = spawnSync(
      join(TRL_VENV, 'bin', 'accelerate'),
      ['launch', '--num_processes', '1', '--cpu', '--num_machines', '1', '--mixed_precision', 'no', '--dynamo_backend', 'no'].concat([
        'train.py',
        '--max_steps',
        '2',
      ]),
      {
        cwd: projectDir,
        encoding: 'utf8',
        timeout: 400_000,
        env: { ...process.env, TRL_EXPERIMENTAL_SILENCE: '1', TOKENIZERS_PARALLELISM: 'false', OMP_NUM_THREADS: '1' },
      },
    );
    expect(res.status, res.stderr.slice(-3000)).toBe(0);
    // The project folder itself: its output/ is found, and its manifest beside it.
    result = await importTrl(projectDir);
  }, 420_000);

  it('trained MMPO with LoRA for 2 steps, logging TRL-named metrics and writing a PEFT checkpoint at each', () => {
    const output = join(projectDir, 'output');
    const state = JSON.parse(readFileSync(join(output, 'trainer_state.json'), 'utf8')) as { log_history: Record<string, number>[] };
    const steps = state.log_history.filter((entry) => 'loss' in entry);
    expect(steps.map((entry) => entry['step'])).toEqual([1, 2]);
    for (const entry of steps) {
      for (const name of [
        'loss',
        'rewards/chosen',
        'rewards/accuracies',
        'rewards/margins',
        'logps/chosen',
        'mmpo/weight_chosen',
        'grad_norm',
      ])
        expect(Number.isFinite(entry[name]), `step ${entry['step']}: ${name}`).toBe(true);
      // (M4) w_w = σ(s_w − s_l), a share (summed log-probs make it nearly one-hot: mmpo-spec.md "Scale matters").
      expect(entry['mmpo/weight_chosen']).toBeGreaterThanOrEqual(0);
      expect(entry['mmpo/weight_chosen']).toBeLessThanOrEqual(1);
    }
    for (const step of [1, 2]) expect(existsSync(join(output, `checkpoint-${step}`, 'adapter_model.safetensors'))).toBe(true);
  });

  it('imports the log under the studio’s names, the PEFT checkpoints, and the snapshot by the manifest’s hash', async () => {
    expect(result).toMatchObject({
      created: true,
      dir: join(projectDir, 'output'),
      lastStep: 2,
      snapshot: { id: snapshot.id, hash: snapshot.contentHash },
      skipped: [],
    });
    expect(result.checkpoints.added).toEqual([1, 2]);
    const series = await call(studio, 'runs.metrics', { id: result.runId });
    for (const name of [
      'loss',
      'rewards/chosen',
      'rewards/margins',
      'logps/chosen',
      'mmpo/weight_chosen',
      'grad_norm',
      'learning_rate',
      'epoch',
    ])
      expect(series[name]?.steps, name).toEqual([1, 2]);
    const run: Run = await call(studio, 'runs.get', { id: result.runId });
    expect(run.config.lora).toMatchObject({ rank: 2 });
    expect(run.config.model).toEqual({ kind: 'folder', path: FIXTURE });
  });

  it('evaluates the imported PEFT checkpoint (the adapter applied on the base model its config names)', async () => {
    const job = await call(studio, 'evals.start', { model: { runId: result.runId, step: 2 }, suite: { items: [textItem()] } });
    const done = await jobSettled(studio, job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const logs = await call(studio, 'jobs.logs', { id: job.id });
    expect(logs.map((l) => l.message).join('\n')).toContain(`LoRA adapter: ${join(projectDir, 'output', 'checkpoint-2')}`);
    const evaluated = (await call(studio, 'evals.list', {})).find((r) => r.runId === result.runId && r.runStep === 2)!;
    expect(evaluated.metrics['perplexity']).toBeGreaterThan(1);
  }, 120_000);
});

// ---------------------------------------------------------------------------
// The engine's PEFT loader against an adapter real PEFT writes: "all-linear" is saved resolved to full module names

describe.skipIf(skipPython)('a LoRA adapter written by PEFT 0.21 (target_modules="all-linear")', () => {
  it('loads on its base model and gives the logits PyTorch gives with the adapter, within 1e-4', async () => {
    requireVenv();
    await tf.setBackend('cpu');
    const out = join(t.dir, 'peft-adapter');
    const torch = runPython<{ ids: number[]; base: number[][]; tuned: number[][] }>([
      join(REPO_ROOT, 'test', 'python', 'peft_adapter.py'),
      FIXTURE,
      out,
    ]);
    const { model } = await loadModel(FIXTURE);
    const logits = () => {
      const input = tf.tensor2d([torch.ids], [1, torch.ids.length], 'int32');
      const output = model.forward(input);
      const values = Array.from(output.dataSync());
      tf.dispose([input, output]);
      return values;
    };
    const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    expect(maxDiff(logits(), torch.base.flat())).toBeLessThanOrEqual(1e-4);
    const adapter = await loadLora(model, out);
    // Every linear layer of both blocks (7 per block), as PEFT resolved "all-linear".
    expect(adapter.layers.size).toBe(14);
    model.adapter = adapter;
    const tuned = logits();
    // The adapter moves the logits well beyond the tolerance, so matching them means it was applied as PEFT applies it.
    expect(maxDiff(tuned, torch.base.flat())).toBeGreaterThan(1e-2);
    expect(maxDiff(tuned, torch.tuned.flat())).toBeLessThanOrEqual(1e-4);
    adapter.dispose();
    model.dispose();
  }, 120_000);
});
