/**
 * The `trl-import` job (issue 16, "Import back"): a TRL output folder becomes
 * a run with origin 'trl' — its log history as the run's metrics under the
 * studio's names, its checkpoints (hashed: gigabytes for a real model, so this
 * is a worker's work, with progress and cancel) as the run's checkpoints, its
 * snapshot matched by the content hash of the export's manifest. Importing
 * the same folder again updates the same run: values are written over by
 * (name, step), checkpoints already hashed are kept, new ones added.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { TrlImportResult, type TrlImportSkip } from '../../../shared/trl-import';
import { RunConfig } from '../../../shared/training';
import { openDatabase } from '../db/open';
import { defineJobKind } from '../jobs/kind';
import type { WorkerIo } from '../jobs/protocol';
import { JobStore } from '../jobs/store';
import { RunStore } from '../runs/store';
import { APP_VERSION } from '../version';
import { ImportRunStore } from './import-store';
import {
  hashCheckpoint,
  listCheckpoints,
  locateOutput,
  logValues,
  readProject,
  readTrainerState,
  type CheckpointOnDisk,
  type ExportedProject,
} from './trl-folder';

export const TrlImportParams = z.object({
  /** The output folder, resolved by runs.importTrl (locateOutput). */
  dir: z.string().min(1),
  project: z.string().min(1).optional(),
});

const TrlImportPayload = TrlImportParams.extend({
  jobId: z.number().int().positive(),
  dbPath: z.string().min(1),
  nativeBinding: z.string().optional(),
});
type TrlImportPayload = z.output<typeof TrlImportPayload>;

const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * The run's config: the local run the project was exported from, when it is
 * in this workspace; else what config.json says (objective, optimizer,
 * batch, lengths, LoRA) over the defaults, dropping what does not validate.
 * The model is the base the adapters apply to (or the model TRL loaded).
 */
function importedConfig(store: ImportRunStore, project: ExportedProject | null, baseModel: string): RunConfig {
  // No suite runs by itself on an import (run-evals.ts would queue one per checkpoint): evaluate imported checkpoints on demand.
  return { ...configFrom(store, project, baseModel), evalSuite: null };
}

function configFrom(store: ImportRunStore, project: ExportedProject | null, baseModel: string): RunConfig {
  const model = { kind: 'folder' as const, path: baseModel };
  const c = project?.config;
  const local = c?.runId ? store.localRunConfig(c.runId) : null;
  if (local) {
    const parsed = RunConfig.safeParse({ ...(JSON.parse(local) as object), model });
    if (parsed.success) return parsed.data;
  }
  const args = c?.args ?? {};
  const num = (key: string) => (typeof args[key] === 'number' ? args[key] : undefined);
  const peft = c?.peft;
  const lora = peft
    ? strip({
        rank: peft['r'],
        alpha: peft['lora_alpha'],
        dropout: peft['lora_dropout'],
        targetModules: Array.isArray(peft['target_modules']) ? peft['target_modules'] : null,
      })
    : null;
  const maxSteps = num('max_steps');
  const full = strip({
    model,
    objective: c?.objective ?? undefined,
    optimizer: strip({ lr: num('learning_rate'), weightDecay: num('weight_decay') }),
    microBatchSize: num('per_device_train_batch_size'),
    gradAccumulation: num('gradient_accumulation_steps'),
    maxLength: num('max_length'),
    maxGradNorm: num('max_grad_norm'),
    seed: num('seed'),
    epochs: num('num_train_epochs'),
    maxSteps: maxSteps !== undefined && maxSteps > 0 ? maxSteps : undefined,
    lora,
  });
  for (const attempt of [full, strip({ model, objective: full['objective'], lora }), { model }]) {
    const parsed = RunConfig.safeParse(attempt);
    if (parsed.success) return parsed.data;
  }
  return RunConfig.parse({ model });
}

/** Where the adapters' base model is, and what the run calls its model. */
function baseModelOf(checkpoints: CheckpointOnDisk[], project: ExportedProject | null, outputDir: string): string {
  const named = checkpoints.find((c) => c.baseModel)?.baseModel ?? project?.config?.modelNameOrPath ?? null;
  if (named === null) return outputDir;
  // A relative path in adapter_config.json is relative to where train.py ran: the project.
  const local = project ? resolve(project.dir, named) : resolve(named);
  return existsSync(local) ? local : named;
}

export async function trlImportTask(payload: TrlImportPayload, io: WorkerIo): Promise<TrlImportResult> {
  const db = openDatabase(payload.dbPath, payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {});
  try {
    const store = new ImportRunStore(db);
    const runs = new RunStore(db, new JobStore(db));
    const skipped: TrlImportSkip[] = [];
    const dir = locateOutput(payload.dir);
    io.progress(0.02, 'reading trainer_state.json');
    const state = readTrainerState(dir, skipped);
    const log = logValues(state.logHistory, skipped);
    const project = readProject(dir, payload.project, skipped);
    const onDisk = listCheckpoints(dir, state, skipped);

    const existing = store.runBySource(dir);
    const stored = new Map((existing ? store.checkpoints(existing.id) : []).map((c) => [c.step, c]));
    // A checkpoint already imported from the same folder with the same size is not hashed again (checkpoints are written once).
    const toHash = onDisk.filter((c) => {
      const s = stored.get(c.step);
      return !(s && s.contentHash && s.path === c.path && s.bytes === c.bytes);
    });
    const totalBytes = toHash.reduce((n, c) => n + c.bytes, 0) || 1;
    let hashedBytes = 0;
    const hashes = new Map<number, string>();
    for (const c of toHash) {
      io.progress(0.05 + (0.9 * hashedBytes) / totalBytes, `hashing checkpoint-${c.step}`);
      hashes.set(c.step, await hashCheckpoint(c, io.signal));
      hashedBytes += c.bytes;
    }
    io.progress(0.96, 'writing the run');

    const hash = project?.manifest?.snapshotHash ?? null;
    const snapshot = hash ? store.snapshotByHash(hash) : null;
    const snapshotMessage = snapshot
      ? `Snapshot "${snapshot.name}" (#${snapshot.id}) has the content hash the export's manifest names.`
      : hash
        ? `No snapshot in this workspace has the content hash ${hash} that the export's manifest names` +
          `${project?.manifest?.snapshotName ? ` (snapshot "${project.manifest.snapshotName}" where it was exported)` : ''}; the run is kept without a snapshot, with that hash recorded.`
        : `No export manifest (data/manifest.json) was found beside ${dir}; the run has no snapshot (name the exported project to match one).`;
    const baseModel = baseModelOf(onDisk, project, dir);
    const totalSteps = state.maxSteps ?? state.globalStep;

    const result = store.transaction(() => {
      let runId: number;
      // Looked up again under the write lock: an import of the same folder may have created the run meanwhile.
      const found = existing ?? store.runBySource(dir);
      if (found) {
        runId = found.id;
        store.updateRun(runId, { jobId: payload.jobId, snapshotId: snapshot?.id ?? null, sourceSnapshotHash: hash, totalSteps });
      } else {
        const model = runs.findModelByPath(baseModel);
        runId = runs.createRun({
          name: `${project?.config?.name ?? basename(project?.dir ?? dir)} (TRL)`,
          jobId: payload.jobId,
          config: importedConfig(store, project, baseModel),
          modelId: model?.id ?? null,
          modelName: model?.name ?? basename(baseModel),
          snapshotId: snapshot?.id ?? null,
          trainPairs: project?.manifest?.trainRows ?? 0,
          testPairs: project?.manifest?.testRows ?? 0,
          totalSteps,
          appVersion: APP_VERSION,
          dir,
          rerunOf: null,
          imported: { origin: 'trl', sourceDir: dir, sourceSnapshotHash: hash },
        });
      }
      const before = store.metricCount(runId);
      store.recordValues(runId, log.byStep);
      const valuesAdded = store.metricCount(runId) - before;
      const added: number[] = [];
      const known: number[] = [];
      for (const c of onDisk) {
        const contentHash = hashes.get(c.step) ?? stored.get(c.step)!.contentHash!;
        if (hashes.has(c.step)) added.push(c.step);
        else known.push(c.step);
        store.putCheckpoint(runId, {
          step: c.step,
          epoch: log.byStep.get(c.step)?.['epoch'] ?? 0,
          path: c.path,
          bytes: c.bytes,
          contentHash,
        });
      }
      const removed = [...stored.keys()].filter((step) => !onDisk.some((c) => c.step === step));
      for (const step of removed) {
        store.removeCheckpoint(runId, step);
        skipped.push({ what: `checkpoint-${step}`, reason: 'imported before, but no longer in the folder; removed from the run' });
      }
      const trainSteps = [...log.byStep].filter(([, v]) => v['loss'] !== undefined).map(([s]) => s);
      return {
        runId,
        created: found === null,
        valuesAdded,
        lastStep: trainSteps.length ? Math.max(...trainSteps) : 0,
        checkpoints: { added, known, removed },
      };
    }, 'immediate');
    io.progress(1, `run #${result.runId}: ${result.valuesAdded} values and ${result.checkpoints.added.length} checkpoints added`);
    for (const s of skipped) io.log('warn', `skipped ${s.what}: ${s.reason}`);
    return {
      ...result,
      dir,
      stateFile: state.file,
      logEntries: log.entries,
      snapshot: { hash, id: snapshot?.id ?? null, name: snapshot?.name ?? null, message: snapshotMessage },
      skipped,
    };
  } finally {
    db.close();
  }
}

export const trlImportJob = defineJobKind({
  kind: 'trl-import',
  lane: 'io',
  params: TrlImportParams,
  result: TrlImportResult,
  title: (p) => `Import the TRL run in ${p.dir}`,
  worker: { payload: TrlImportPayload, result: TrlImportResult, load: () => Promise.resolve(trlImportTask) },
  async run(ctx) {
    const result = await ctx.runWorker({
      ...ctx.params,
      jobId: ctx.job.id,
      dbPath: ctx.services.dbPath,
      ...(ctx.services.nativeBinding ? { nativeBinding: ctx.services.nativeBinding } : {}),
    });
    ctx.services.events.emit({ type: 'run.updated', run: ctx.services.runs.getRun(result.runId) });
    return result;
  },
});
