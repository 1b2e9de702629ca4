/**
 * Loss parity of the TRL export with the studio's own trainer (issue 16 item 3),
 * all real: the studio writes a tiny random Llama as an HF folder, trains MMPO,
 * mmpo-mml and DPO runs on it in its worker, and exports each run; each export
 * then trains under `accelerate launch` in the pinned venv, once in 1 process
 * and once in 2 (DDP over gloo on the CPU). The first steps' losses (and step 1's
 * mean log-probs, which depend only on the tokenization and the starting
 * weights) must match the studio's step for step.
 *
 * What makes them equal is the export, not a looser studio: train.py visits the
 * rows in the studio's seeded order (data/train_order.json), cuts prompts as the
 * studio does (max_prompt_length), keeps the effective batch over 2 processes
 * (mmpo and dpo split each micro-batch, so MMPO's (M6) takes its min and max over
 * both processes; mmpo-mml splits the accumulation), and maps the optimizer,
 * schedule (warmup then cosine) and clipping to transformers' own.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../shared/objectives';
import type { CheckpointEntry, Run, MetricSeries } from '../../shared/runs';
import type { TrlExportResult } from '../../shared/trl-export';
import type { TrlImportResult } from '../../shared/trl-import';
import type { EvalResult } from '../../shared/evals';
import { createStudio, type Studio } from '../../main/core/studio';
import { jobSettled } from '../../main/core/client';
import { configFromSpec, createModel, saveModel } from '../../main/engine';
import { REPO_ROOT } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';
import { requireVenv, skipPython, TRL_VENV } from '../helpers/python-venv';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'models', 'tiny-llama');
const STEPS = 4;
/**
 * Float32 on both sides, but different kernels and summation orders (tfjs
 * against torch, one process against DDP's all-reduce). Steps 1 and 2 run on
 * the starting weights (the warmup's first learning rate is 0) and agree to
 * ~1e-7; steps 3 and 4 follow Adam updates, whose first one moves each weight
 * by about lr·sign(g), so a gradient component near zero that rounds the other
 * way moves its weight by up to 2·lr: measured, the losses then differ by up to
 * 9e-6 relative (MMPO's summed log-probs, losses ~100). 5e-5 leaves room for
 * other CPUs' kernels while any real difference — a pair out of order, a token
 * more or less, another learning rate or clipping — moves a loss by 1e-3 or
 * more. The rounding compounds over the steps, so only the first STEPS count.
 */
const TOLERANCE = 5e-5;

const t = tempDir('trl-parity-');
let studio: Studio;

async function call<T>(method: string, args: unknown): Promise<T> {
  const res = await studio.dispatch(method, args);
  if (!res.ok) throw new Error(`${method}: ${res.error.message}`);
  return res.value as T;
}

/** Preference pairs of varied lengths; every fifth prompt is long enough that maxPromptLength cuts it. */
function pairsJsonl(n: number): string {
  const topics = ['rivers', 'bread', 'comets', 'violins', 'moss', 'bridges', 'tides'];
  return Array.from({ length: n }, (_, i) => {
    const topic = topics[i % topics.length]!;
    const extra = i % 5 === 0 ? ` Please keep in mind everything you know about ${topic} and their long history.` : '';
    return JSON.stringify({
      prompt: `Question ${i}: say something true about ${topic}.${extra}`,
      chosen: `${topic} ${'are interesting '.repeat(1 + (i % 3))}indeed.`,
      rejected: `no ${i}`.repeat(1 + (i % 4)),
    });
  }).join('\n');
}

interface Case {
  objective: Record<string, unknown>;
  microBatchSize: number;
  gradAccumulation: number;
}
/** Over 2 processes: mmpo and dpo split each micro-batch (MMPO's M6 then spans both), mmpo-mml splits the accumulation. */
const CASES: Record<string, Case> = {
  mmpo: { objective: PRESETS.mmpo, microBatchSize: 2, gradAccumulation: 1 },
  'mmpo-mml': { objective: PRESETS['mmpo-mml'], microBatchSize: 2, gradAccumulation: 2 },
  dpo: { objective: PRESETS.dpo, microBatchSize: 4, gradAccumulation: 1 },
};

interface Launched {
  losses: number[];
  rates: number[];
  step1: Record<string, number>;
  launch: { num_processes: number; per_device_train_batch_size: number; gradient_accumulation_steps: number; split_micro_batch: boolean };
}

/** `accelerate launch` of an exported project (no shell); resolves with its logged steps. */
function launch(project: string, processes: 1 | 2, output: string): Promise<Launched> {
  // accelerate 1.15 starts one process for `--cpu` whatever --num_processes says (more only through mpirun); the
  // multi-process launcher (torchrun) starts 2, and train.py sets up DDP over gloo when there is no GPU.
  const mode = processes === 1 ? ['--cpu'] : ['--multi_gpu'];
  const args = ['launch', ...mode, '--num_processes', String(processes), '--num_machines', '1', '--mixed_precision', 'no'];
  args.push('--dynamo_backend', 'no', '--main_process_port', String(29600 + Math.floor(Math.random() * 300)));
  args.push('train.py', '--output_dir', output);
  return new Promise((resolve, reject) => {
    const child = spawn(join(TRL_VENV, 'bin', 'accelerate'), args, {
      cwd: project,
      env: { ...process.env, TRL_EXPERIMENTAL_SILENCE: '1', TOKENIZERS_PARALLELISM: 'false', OMP_NUM_THREADS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`accelerate launch (${processes} processes) in ${project} exited ${code}: ${stderr}`));
      const state = JSON.parse(readFileSync(join(output, 'trainer_state.json'), 'utf8')) as { log_history: Record<string, number>[] };
      const steps = state.log_history.filter((entry) => 'loss' in entry);
      resolve({
        losses: steps.map((entry) => entry['loss']!),
        rates: steps.map((entry) => entry['learning_rate']!),
        step1: steps[0]!,
        launch: JSON.parse(readFileSync(join(output, 'studio_launch.json'), 'utf8')) as Launched['launch'],
      });
    });
  });
}

/** Runs `jobs` with at most `limit` at a time (the CPU is shared with the studio's worker). */
async function limited<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe.skipIf(skipPython)('the exported TRL project trains the studio’s first steps (1 and 2 processes)', () => {
  const studioSteps: Record<string, MetricSeries> = {};
  const trl: Record<string, Record<1 | 2, Launched>> = {};
  const runs: Record<string, Run> = {};
  let snapshot = { id: 0, contentHash: '' };

  beforeAll(async () => {
    requireVenv();
    studio = createStudio({ workspaceDir: join(t.dir, 'ws') });
    // A tiny Llama written by the studio (random weights, the fixture's chat tokenizer): both sides load this folder.
    const modelDir = join(t.dir, 'tiny-llama');
    const model = createModel(
      configFromSpec({
        modelType: 'llama',
        vocabSize: 299,
        hiddenSize: 32,
        numLayers: 2,
        numHeads: 4,
        numKvHeads: 2,
        intermediateSize: 64,
        bosTokenId: 297,
        eosTokenId: 298,
      }),
      11,
    );
    await saveModel(model, modelDir, { tokenizerDir: FIXTURE });
    model.dispose();
    const modelId = (await call<{ id: number }>('models.register', { path: modelDir })).id;
    const dataFile = join(t.dir, 'pairs.jsonl');
    writeFileSync(dataFile, `${pairsJsonl(40)}\n`);
    const imported = await call<{ id: number }>('datasets.import', { path: dataFile, datasetName: 'parity' });
    const { datasetId } = (await jobSettled(studio, imported.id)).result as { datasetId: number };
    snapshot = await call<{ id: number; contentHash: string }>('snapshots.create', { datasetId });

    const projects: Record<string, string> = {};
    for (const [name, c] of Object.entries(CASES)) {
      runs[name] = await call<Run>('runs.create', {
        snapshotId: snapshot.id,
        modelId,
        config: {
          ...c,
          optimizer: { lr: 1e-3, weightDecay: 0.01 },
          schedule: { kind: 'cosine', warmupRatio: 0.25 },
          maxGradNorm: 1,
          maxLength: 96,
          maxPromptLength: 48,
          maxSteps: STEPS,
          evalEvery: 0,
          checkpointEvery: 0,
          checkpointEachEpoch: false,
        },
      });
      projects[name] = (await call<TrlExportResult>('runs.exportTrl', { id: runs[name].id, out: join(t.dir, `export-${name}`) })).path;
    }
    // The TRL runs need only the exports: they train while the studio's worker trains its runs (one at a time).
    const launches = Object.keys(CASES).flatMap((name) =>
      ([1, 2] as const).map((processes) => async () => {
        (trl[name] ??= {} as Record<1 | 2, Launched>)[processes] = await launch(
          projects[name]!,
          processes,
          join(t.dir, `out-${name}-${processes}`),
        );
      }),
    );
    const trained = limited(launches, 1);
    for (const [name, run] of Object.entries(runs)) {
      const done = await jobSettled(studio, run.jobId);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      studioSteps[name] = await call<MetricSeries>('runs.metrics', { id: run.id });
    }
    await trained;
  }, 900_000);
  afterAll(async () => {
    await studio?.close();
    t.cleanup();
  });

  const close = (actual: number, expected: number) => Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected));

  for (const name of Object.keys(CASES))
    for (const processes of [1, 2] as const)
      it(`${name}, ${processes} process${processes > 1 ? 'es' : ''}: step 1's log-probs and the first ${STEPS} losses match the studio's`, () => {
        const run = trl[name]![processes];
        const ours = studioSteps[name]!;
        expect(ours['loss']!.steps).toEqual([1, 2, 3, 4]);
        // The launch spread the effective batch as intended (2 processes really ran, in DDP).
        expect(run.launch.num_processes).toBe(processes);
        const c = CASES[name]!;
        expect(run.launch.per_device_train_batch_size * run.launch.gradient_accumulation_steps * processes).toBe(
          c.microBatchSize * c.gradAccumulation,
        );
        expect(run.launch.split_micro_batch).toBe(processes === 2 && c.gradAccumulation === 1);
        // Step 1 runs on the starting weights: equal mean log-probs mean equal tokens, masks and model.
        for (const metric of ['logps/chosen', 'logps/rejected']) {
          const expected = ours[metric]!.values[0]!;
          expect(close(run.step1[metric]!, expected), `${metric}: ${run.step1[metric]} vs ${expected}`).toBe(true);
        }
        const expected = ours['loss']!.values.slice(0, STEPS);
        expect(run.losses).toHaveLength(STEPS);
        run.losses.forEach((loss, i) =>
          expect(close(loss, expected[i]!), `step ${i + 1}: TRL ${loss} vs studio ${expected[i]} (all: ${run.losses.join(', ')})`).toBe(
            true,
          ),
        );
        // The same schedule: one warmup step at 0, then the cosine from 1e-3 (steps 3 and 4 trained on updated weights).
        [0, 1e-3, 7.5e-4, 2.5e-4].forEach((lr, i) => expect(ours['learning_rate']!.values[i]).toBeCloseTo(lr, 12));
        run.rates.forEach((rate, i) => expect(rate).toBeCloseTo(ours['learning_rate']!.values[i]!, 12));
      });

  // Issue 16 item 6: the real TRL output comes back as a run of this workspace and its checkpoint is evaluated.
  describe('the 2-process MMPO output, imported back', () => {
    const output = () => join(t.dir, 'out-mmpo-2');
    let imported: TrlImportResult;
    let series: MetricSeries;
    beforeAll(async () => {
      // train.py wrote into --output_dir, away from the project: the project is named for its manifest and config.
      imported = await call<TrlImportResult>('runs.importTrl', { dir: output(), project: join(t.dir, 'export-mmpo') });
      series = await call<MetricSeries>('runs.metrics', { id: imported.runId });
    }, 120_000);

    it('on the snapshot the manifest names, with the final model as its checkpoint and nothing skipped', async () => {
      expect(imported).toMatchObject({
        created: true,
        lastStep: STEPS,
        snapshot: { id: snapshot.id, hash: snapshot.contentHash },
        checkpoints: { added: [STEPS], known: [], removed: [] },
        skipped: [],
      });
      const run = await call<Run>('runs.get', { id: imported.runId });
      expect(run).toMatchObject({
        snapshotId: snapshot.id,
        imported: { origin: 'trl', snapshotHash: snapshot.contentHash, snapshotMatched: true },
        // The project names the studio run it was exported from: the imported run has its settings.
        config: { objective: PRESETS.mmpo, microBatchSize: 2, maxSteps: STEPS, lora: null },
      });
      const checkpoints = await call<CheckpointEntry[]>('runs.checkpoints', { id: imported.runId });
      expect(checkpoints.map((c) => [c.step, c.path])).toEqual([[STEPS, imported.dir]]);
    });

    it('holds every value of the TRL log, under the names the studio’s own run uses', () => {
      const state = JSON.parse(readFileSync(join(output(), 'trainer_state.json'), 'utf8')) as { log_history: Record<string, number>[] };
      const train = state.log_history.filter((entry) => 'loss' in entry);
      expect(train).toHaveLength(STEPS);
      for (const entry of train)
        for (const [name, value] of Object.entries(entry)) {
          if (name === 'step') continue;
          const at = series[name]?.steps.indexOf(entry['step']!) ?? -1;
          expect(at, `${name} at step ${entry['step']}`).toBeGreaterThanOrEqual(0);
          expect(series[name]!.values[at], `${name} at step ${entry['step']}`).toBe(value);
        }
      // Every name the import wrote is one the studio's own MMPO run logs: the two compare metric for metric.
      // (The parity pairs name no test split, so neither side evaluated: the eval_* names are trl-import.test.ts's.)
      const ours = studioSteps['mmpo']!;
      const names = Object.keys(series);
      expect(names.filter((name) => !(name in ours))).toEqual([]);
      expect(names).toEqual(
        expect.arrayContaining(['loss', 'rewards/margins', 'logps/chosen', 'mmpo/weight_chosen', 'grad_norm', 'learning_rate', 'epoch']),
      );
      expect(series['loss']!.values).toEqual(trl['mmpo']![2].losses);
    });

    it('evaluates its checkpoint through the eval job, scoring as the studio’s own run’s last checkpoint', async () => {
      const textPath = join(t.dir, 'text.txt');
      writeFileSync(textPath, `${pairsJsonl(3)}\n`);
      const perplexity = async (runId: number) => {
        const job = await call<{ id: number }>('evals.start', {
          model: { runId, step: STEPS },
          suite: { items: [{ kind: 'perplexity', textPath }] },
        });
        const done = await jobSettled(studio, job.id);
        expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
        const result = (await call<EvalResult[]>('evals.list', {})).find((r) => r.runId === runId && r.runStep === STEPS)!;
        return result.metrics['perplexity']!;
      };
      const theirs = await perplexity(imported.runId);
      const ours = await perplexity(runs['mmpo']!.id);
      // The same four steps on both engines (the losses agree to 5e-5): the trained weights score alike.
      expect(Math.abs(theirs - ours) / ours, `TRL ${theirs} vs studio ${ours}`).toBeLessThan(1e-3);
    }, 240_000);
  });

  it('wrote each run’s studio order with the export', () => {
    for (const name of Object.keys(CASES)) {
      const manifest = JSON.parse(readFileSync(join(t.dir, `export-${name}`, 'data', 'manifest.json'), 'utf8')) as {
        order: { file: string; epochs: number };
      };
      expect(existsSync(join(t.dir, `export-${name}`, 'data', manifest.order.file))).toBe(true);
      expect(manifest.order.epochs).toBeGreaterThanOrEqual(1);
    }
  });
});
