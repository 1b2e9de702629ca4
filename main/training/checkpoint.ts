/**
 * The checkpoint format. A run's checkpoints are folders
 * `<runDir>/checkpoint-<step, 8 digits>/`, each written into a temp folder and
 * renamed into place (a crash leaves either the whole checkpoint or none; the
 * run's next start removes the temp folder), with a manifest of sha256 sums
 * so a corrupted or truncated checkpoint is detected and the previous one
 * used instead. A trainer's checkpoint holds the model (`model/`, an HF
 * folder) or its LoRA adapter (`adapter/`, PEFT), the optimizer moments
 * (`optimizer.bin`) and `trainer_state.json`; see README.md, "Checkpoints".
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadLora, openSafetensorsFolder, saveLora, saveModel, type CausalLM, type LoraAdapter } from '../engine';
import type { RunConfig } from '../../shared/training';
import type { DataPosition, TokenizedPair } from './data';
import type { OptimizerState } from './optimizer';
import { tempPathFor } from './temp-files';

export const MANIFEST = 'manifest.json';
const PREFIX = 'checkpoint-';
const STATE_FILE = 'trainer_state.json';
const OPTIMIZER_FILE = 'optimizer.bin';
const MODEL_DIR = 'model';
const ADAPTER_DIR = 'adapter';

export function checkpointName(step: number): string {
  return `${PREFIX}${String(step).padStart(8, '0')}`;
}

async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, r)));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

/**
 * Writes `<runDir>/<checkpointName(step)>` atomically: `write` fills a temp
 * folder, the manifest is added last, then the folder is renamed into place.
 */
export async function writeCheckpoint(runDir: string, step: number, write: (dir: string) => Promise<void>): Promise<string> {
  await fs.mkdir(runDir, { recursive: true });
  const target = path.join(runDir, checkpointName(step));
  const tmp = tempPathFor(target);
  await fs.mkdir(tmp);
  try {
    await write(tmp);
    const files: Record<string, string> = {};
    for (const f of await filesUnder(tmp)) files[f] = await sha256File(path.join(tmp, f));
    await fs.writeFile(path.join(tmp, MANIFEST), JSON.stringify({ format: 1, step, files }, null, 2) + '\n');
    // A checkpoint of the same step (a re-run after a crash) is replaced.
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(tmp, target);
    return target;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

export type Verification = { ok: true } | { ok: false; problem: string };

/** Checks that every file the manifest lists exists with its recorded sha256. */
export async function verifyCheckpoint(dir: string): Promise<Verification> {
  let manifest: { files?: Record<string, string> };
  try {
    manifest = JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8')) as typeof manifest;
  } catch (e) {
    return { ok: false, problem: `manifest unreadable: ${(e as Error).message}` };
  }
  if (!manifest.files || Object.keys(manifest.files).length === 0) return { ok: false, problem: 'manifest lists no files' };
  for (const [rel, sum] of Object.entries(manifest.files)) {
    let actual: string;
    try {
      actual = await sha256File(path.join(dir, rel));
    } catch {
      return { ok: false, problem: `${rel} is missing` };
    }
    if (actual !== sum) return { ok: false, problem: `${rel} does not match its checksum` };
  }
  return { ok: true };
}

/** Finished checkpoints of a run (temp folders excluded), oldest first. */
export async function listCheckpoints(runDir: string): Promise<{ step: number; dir: string }[]> {
  const names = await fs.readdir(runDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .filter((n) => /^checkpoint-\d+$/.test(n))
    .map((n) => ({ step: Number(n.slice(PREFIX.length)), dir: path.join(runDir, n) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * The newest checkpoint that verifies, or null. `onInvalid` hears about each
 * newer one skipped (the lead logs it on the run).
 */
export async function latestValidCheckpoint(runDir: string, onInvalid?: (dir: string, problem: string) => void): Promise<string | null> {
  const all = await listCheckpoints(runDir);
  for (let i = all.length - 1; i >= 0; i--) {
    const v = await verifyCheckpoint(all[i]!.dir);
    if (v.ok) return all[i]!.dir;
    onInvalid?.(all[i]!.dir, v.problem);
  }
  return null;
}

/** Deletes the oldest checkpoints beyond `keep`. Returns the deleted folders. */
export async function pruneCheckpoints(runDir: string, keep: number): Promise<string[]> {
  const all = await listCheckpoints(runDir);
  const drop = all.slice(0, Math.max(0, all.length - keep)).map((c) => c.dir);
  for (const d of drop) await fs.rm(d, { recursive: true, force: true });
  return drop;
}

/** What a checkpoint's trainer_state.json holds. */
export interface TrainerState {
  format: 1;
  /** Optimizer steps completed (the checkpoint's step). */
  step: number;
  position: DataPosition;
  config: RunConfig;
  /** The data order is a pure function of (seed, epoch); this is all the RNG state a run has. */
  rng: { seed: number };
  optimizer: { step: number; shapes: number[][] };
  /** `hashPairs` of the training pairs: a resume on other records is refused. */
  pairsHash: string;
  lora: boolean;
  /** The compute backend that wrote it (wasm, webgpu, …); absent in checkpoints of older studios. */
  backend?: string;
}

/** What a trainer saves: its state, its optimizer, and the model or adapter it trains. */
export interface TrainerCheckpoint {
  state: Omit<TrainerState, 'format' | 'optimizer'>;
  optimizer: OptimizerState;
  model: CausalLM;
  lora: LoraAdapter | null;
}

/** sha256 over the tokenized pairs, in order: what a checkpoint was trained on. */
export function hashPairs(pairs: TokenizedPair[]): string {
  const h = createHash('sha256');
  for (const p of pairs)
    h.update(JSON.stringify([p.chosen.inputIds, p.chosen.lossMask, p.rejected?.inputIds ?? null, p.rejected?.lossMask ?? null]));
  return h.digest('hex');
}

/**
 * Writes `<runDir>/checkpoint-<step>` atomically (model or PEFT adapter,
 * optimizer moments, trainer state, manifest), then deletes the oldest beyond
 * `keep`. Returns the folder.
 */
export async function saveTrainerCheckpoint(runDir: string, checkpoint: TrainerCheckpoint, keep: number): Promise<string> {
  const { state, optimizer, model, lora } = checkpoint;
  const source = state.config.model;
  const tokenizerDir = source.kind === 'folder' ? source.path : source.tokenizerDir;
  const dir = await writeCheckpoint(runDir, state.step, async (tmp) => {
    if (lora) await saveLora(lora, model, path.join(tmp, ADAPTER_DIR), source.kind === 'folder' ? { baseModel: source.path } : {});
    else await saveModel(model, path.join(tmp, MODEL_DIR), { tokenizerDir });
    // m then v per variable, float32 little-endian.
    const floats = new Float32Array(optimizer.m.reduce((n, m) => n + 2 * m.length, 0));
    let offset = 0;
    optimizer.m.forEach((m, i) => {
      floats.set(m, offset);
      floats.set(optimizer.v[i]!, offset + m.length);
      offset += 2 * m.length;
    });
    await fs.writeFile(path.join(tmp, OPTIMIZER_FILE), new Uint8Array(floats.buffer));
    const full: TrainerState = { format: 1, ...state, optimizer: { step: optimizer.step, shapes: optimizer.shapes } };
    await fs.writeFile(path.join(tmp, STATE_FILE), JSON.stringify(full, null, 2) + '\n');
  });
  await pruneCheckpoints(runDir, keep);
  return dir;
}

/** The trainer state of a checkpoint folder. */
export async function readTrainerState(dir: string): Promise<TrainerState> {
  return JSON.parse(await fs.readFile(path.join(dir, STATE_FILE), 'utf8')) as TrainerState;
}

/**
 * Loads a checkpoint's weights into `model`, the run's starting model: for
 * full fine-tuning every weight is overwritten; with LoRA the adapter is
 * loaded (and returned) and the base weights stay.
 */
export async function loadCheckpointWeights(dir: string, state: TrainerState, model: CausalLM): Promise<LoraAdapter | null> {
  if (state.lora) return loadLora(model, path.join(dir, ADAPTER_DIR));
  for (const file of await openSafetensorsFolder(path.join(dir, MODEL_DIR))) {
    await file.read((t) => {
      const v = model.weights.get(t.name);
      if (!v) throw new Error(`Checkpoint tensor ${t.name} is not a weight of the model`);
      tf.tidy(() => v.assign(tf.tensor(t.data instanceof Float32Array ? t.data : Float32Array.from(t.data), v.shape)));
    });
  }
  return null;
}

/** The optimizer state a checkpoint saved, for `AdamW.importState`. */
export async function readOptimizerState(dir: string, state: TrainerState): Promise<OptimizerState> {
  const raw = await fs.readFile(path.join(dir, OPTIMIZER_FILE));
  const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const sizes = state.optimizer.shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    m.push(floats.subarray(offset, offset + size));
    v.push(floats.subarray(offset + size, offset + 2 * size));
    offset += 2 * size;
  }
  return { step: state.optimizer.step, m, v, shapes: state.optimizer.shapes };
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? await dirBytes(p) : (await fs.stat(p)).size;
  }
  return total;
}

/** A run's finished checkpoints with their step and size on disk, oldest first (what the run page lists). */
export async function describeCheckpoints(runDir: string): Promise<{ step: number; dir: string; bytes: number }[]> {
  const out = [];
  for (const c of await listCheckpoints(runDir)) {
    const state = await readTrainerState(c.dir);
    out.push({ step: state.step, dir: c.dir, bytes: await dirBytes(c.dir) });
  }
  return out;
}
