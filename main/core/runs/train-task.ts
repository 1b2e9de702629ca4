/**
 * The `train` worker task: runs (or resumes) one training run inside a job
 * worker process. It reads the snapshot from the workspace database
 * (read-only), loads the starting model, reuses or computes the cached
 * reference log-probs, then steps the trainer, sending every step's metrics,
 * evaluations and checkpoints to the parent, which stores them. A pause
 * request checkpoints and returns; a crash leaves the last checkpoint, from
 * which the next attempt resumes with the same data order.
 */
import { join } from 'node:path';
import { describeTimeLeft, runSchedule, timeLeft } from '../../../shared/training';
import type { RecordContent } from '../../../shared/datasets';
import { evalMetrics, formatEvalLine, formatStepLine } from '../../../shared/run-log';
import type { WorkerIo } from '../jobs/protocol';
import { openDatabase } from '../db/open';
import { getSnapshot, snapshotContents } from '../datasets/snapshots';
import { initBackend } from '../../engine/backend';
import { describeCheckpoints, latestValidCheckpoint, loadStartingModel, NonFiniteError, removeStaleTemps, Trainer } from '../../training';
import { modelSourceHash } from './model-hash';
import type { TrainEvents, TrainPayload, TrainResult } from './train-protocol';

function readSnapshot(payload: TrainPayload): { hash: string; train: RecordContent[]; test: RecordContent[] } {
  const db = openDatabase(payload.dbPath, { readonly: true, ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}) });
  try {
    const snapshot = getSnapshot(db, payload.snapshotId);
    const train: RecordContent[] = [];
    const test: RecordContent[] = [];
    for (const row of snapshotContents(db, payload.snapshotId)) (row.split === 'test' ? test : train).push(row as unknown as RecordContent);
    return { hash: snapshot.contentHash, train, test };
  } finally {
    db.close();
  }
}

export async function trainTask(payload: TrainPayload, io: WorkerIo<TrainEvents>): Promise<TrainResult> {
  const { config } = payload;
  const aborted = () => {
    if (io.signal.aborted) throw io.signal.reason instanceof Error ? io.signal.reason : new Error('cancelled');
  };

  const backend = await initBackend();
  io.log('info', `Worker ${process.pid} on the ${backend.name} backend${backend.threads ? ` (${backend.threads} threads)` : ''}.`);
  const snapshot = readSnapshot(payload);
  io.log('info', `Snapshot: ${snapshot.train.length} train and ${snapshot.test.length} test records.`);
  io.progress(0, 'Loading the model');
  const { model, tokenizer } = await loadStartingModel(config.model);
  const modelHash = await modelSourceHash(config.model);
  aborted();

  // A worker killed mid-write leaves a checkpoint (or export) temp folder in the run's folder.
  for (const name of removeStaleTemps(payload.dir)) io.log('info', `Removed ${name}, left half-written by a worker that died.`);
  const checkpoint = await latestValidCheckpoint(payload.dir, (dir, problem) => io.log('warn', `Skipping checkpoint ${dir}: ${problem}`));
  const init = {
    model,
    tokenizer,
    records: snapshot.train,
    testRecords: snapshot.test,
    // Read from the cache, or scored with the starting model (on resume too, before the checkpoint's weights load).
    referenceCache: { dir: payload.referenceDir, modelHash, snapshotHash: snapshot.hash },
    onReferenceProgress: (done: number, total: number) => io.progress(0, `Reference log-probs: ${done} of ${total} sequences`),
  };
  const trainer = checkpoint ? await Trainer.resume(checkpoint, init) : await Trainer.create({ config, ...init });
  const cache = trainer.referenceCache;
  if (cache && !cache.computed) io.log('info', `Reusing cached reference log-probs (${cache.key.slice(0, 12)}).`);
  if (checkpoint) io.log('info', `Resumed from ${checkpoint} at step ${trainer.currentStep}.`);
  if (checkpoint && trainer.checkpointBackend && trainer.checkpointBackend !== backend.name) {
    io.log(
      'warn',
      `Resumed on the ${backend.name} backend from a checkpoint written on ${trainer.checkpointBackend}: the same weights, ` +
        'optimizer state and data order, but float32 rounding differs between backends, so the numbers from here on are not bit-identical to an uninterrupted run.',
    );
  }
  if (cache?.computed) {
    io.event('reference', {
      key: cache.key,
      modelHash,
      snapshotHash: snapshot.hash,
      settings: trainer.tokenization,
      trainPairs: trainer.pairs.length,
      testPairs: trainer.testPairs.length,
      path: cache.path,
      bytes: cache.bytes,
    });
  }
  io.event('start', {
    step: trainer.currentStep,
    totalSteps: trainer.totalSteps,
    modelHash,
    backend: backend.name,
    resumedFrom: checkpoint,
  });

  const saveCheckpoint = async () => {
    await trainer.saveCheckpoint(payload.dir);
    const entries = (await describeCheckpoints(payload.dir)).map((c) => ({
      step: c.step,
      epoch: c.step / trainer.stepsPerEpoch,
      path: c.dir,
      bytes: c.bytes,
    }));
    io.event('checkpoints', entries);
    const saved = entries.find((e) => e.step === trainer.currentStep);
    io.log(
      'info',
      `Checkpoint at step ${trainer.currentStep}${saved ? ` (${(saved.bytes / 1e6).toFixed(1)} MB): ${saved.path}` : ''}; keeping ${entries.length}.`,
    );
  };

  // Each step's wall-clock time runs from the end of the step before (or the loop's start): it carries the
  // evaluation and checkpoint that followed that step, so time estimates spread them over the steps.
  let lastStepEnd = performance.now();
  const stepSeconds: number[] = [];
  const firstStep = trainer.currentStep + 1;
  const schedule = runSchedule(trainer.config, {
    totalSteps: trainer.totalSteps,
    stepsPerEpoch: trainer.stepsPerEpoch,
    testPairs: trainer.testPairs.length,
  });
  try {
    while (!trainer.finished) {
      // A step resolves through microtasks only: yield so pause and cancel messages get read.
      await new Promise((resolve) => setImmediate(resolve));
      aborted();
      if (io.pauseRequested()) {
        await saveCheckpoint();
        io.log('info', `Paused at step ${trainer.currentStep}.`);
        return { paused: true, step: trainer.currentStep, totalSteps: trainer.totalSteps, exported: null };
      }
      const record = await trainer.step();
      const now = performance.now();
      record.metrics['step_seconds'] = (now - lastStepEnd) / 1000;
      lastStepEnd = now;
      stepSeconds.push(record.metrics['step_seconds']);
      io.event('step', record);
      // The line `studio train` prints, kept in the job log for the app.
      io.log('info', formatStepLine(record.step, trainer.totalSteps, record.metrics));
      const tps = record.metrics['tokens_per_second'];
      // Measured on this attempt's steps only, after its warm-up (shared/training.ts timeLeft).
      const left = describeTimeLeft(timeLeft(stepSeconds, firstStep, schedule));
      io.progress(
        record.step / trainer.totalSteps,
        `Step ${record.step} of ${trainer.totalSteps}${tps ? ` · ${Math.round(tps)} tokens/s` : ''} · ${left}`,
      );
      if (trainer.evalDue && trainer.testPairs.length > 0) {
        const evaluation = await trainer.evaluate();
        io.event('eval', evaluation);
        io.log('info', formatEvalLine(evaluation.step, evalMetrics(evaluation)));
      }
      if (trainer.checkpointDue) await saveCheckpoint();
    }
  } catch (err) {
    if (err instanceof NonFiniteError) io.log('error', err.message);
    throw err;
  }
  const exported = join(payload.dir, 'model');
  io.progress(1, 'Exporting the trained model');
  await trainer.exportModel(exported);
  io.event('exported', { path: exported });
  io.log('info', `Exported the trained model to ${exported}.`);
  trainer.dispose();
  model.dispose();
  return { paused: false, step: trainer.currentStep, totalSteps: trainer.totalSteps, exported };
}
