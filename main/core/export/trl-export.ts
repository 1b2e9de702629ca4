/**
 * Export a run as a self-contained TRL + Accelerate project (issue 16 items
 * 1, 2): the run's snapshot as TRL JSONL with a manifest holding its content
 * hash, config.json with the settings under TRL's names (trl-mapping.ts),
 * train.py and mmpo_loss.py (assets/trl-export, real Python files), the
 * accelerate configs, a pinned requirements.txt and a README with the exact
 * commands, the metric names and every setting TRL cannot express.
 *
 * The project is written into a temporary folder beside the target and
 * renamed into place, so a failure never leaves half an export; an existing
 * non-empty folder is refused, never overwritten.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Snapshot } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import { stepsPerEpoch, type RunConfig } from '../../../shared/training';
// The trainer's own plain-text rendering, so an exported plain-text row is the text the studio trains on.
import { epochOrder, flatten, responseText } from '../../training/rows';
import type { Db } from '../db/open';
import { snapshotContents } from '../datasets/snapshots';
import { fileError } from '../file-errors';
import { TRL_REQUIREMENTS, requirementsTxt } from './requirements';
import { trlReadme } from './trl-readme';
import { trlMapping, type TrlMapping, type UnsupportedSetting } from './trl-mapping';

export interface TrlExportSource {
  /** The run exported, or null for a run.json that was never started. */
  runId: number | null;
  name: string;
  config: RunConfig;
  snapshot: Snapshot;
  /** A Hugging Face id or a path on the cluster to load the model from instead of the local folder. */
  modelName?: string;
}

export interface TrlExportResult {
  path: string;
  /** The project's files, relative to `path`, sorted. */
  files: string[];
  unsupported: UnsupportedSetting[];
}

type Message = { role: string; content: string };

/** The HF id or path train.py loads the model and tokenizer from; a model no id or path can name is refused in one sentence. */
export function modelNameOrPath(source: Pick<TrlExportSource, 'runId' | 'config' | 'modelName'>): string {
  if (source.modelName) return source.modelName;
  const what = source.runId === null ? 'This run' : `Run #${source.runId}`;
  const model = source.config.model;
  if (model.kind !== 'folder')
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${what} starts from a randomly initialised model (model kind "${model.kind}") that no Hugging Face id or path can name, so TRL could not load it: export a run that starts from a model folder, or give the model's HF id.`,
    );
  const has = (file: string) => existsSync(join(model.path, file));
  if (!has('config.json'))
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${what}'s model folder ${model.path} has no config.json, so transformers could not load it by path.`,
    );
  if (!has('tokenizer.json') && !has('tokenizer_config.json'))
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${what}'s model folder ${model.path} has no tokenizer.json or tokenizer_config.json, so transformers could not load its tokenizer by path.`,
    );
  return model.path;
}

/**
 * One JSONL row in TRL's preference (or, for SFT, prompt-completion) format;
 * conversational when the run applies the chat template. Either way TRL's
 * tokenization then gives the studio trainer's token ids: the chat template
 * renders the same messages, and plain text is the studio's prompt and
 * response strings (TRL appends the EOS token the studio appends; the studio
 * uses the system message only through the chat template).
 */
function trlRow(
  record: { prompt: unknown; chosen: unknown; rejected: unknown; system: string | null },
  sft: boolean,
  conversational: boolean,
): Record<string, unknown> {
  const prompt = record.prompt as Message[];
  const withSystem =
    record.system !== null && prompt[0]?.role !== 'system' ? [{ role: 'system', content: record.system }, ...prompt] : prompt;
  const side = (messages: unknown) => (conversational ? messages : responseText(messages as Message[]));
  const row: Record<string, unknown> = { prompt: conversational ? withSystem : flatten(prompt) };
  if (sft) row['completion'] = side(record.chosen);
  else Object.assign(row, { chosen: side(record.chosen), rejected: side(record.rejected) });
  return row;
}

/** Whether the studio's trainer trains on a record (buildPairs' rule): preference pairs need both sides, SFT a chosen one. */
function trains(record: { kind: string; chosen: unknown; rejected: unknown }, sft: boolean): boolean {
  const present = (side: unknown) => Array.isArray(side) && side.length > 0;
  if (!present(record.chosen)) return false;
  return sft || (record.kind === 'preference' && present(record.rejected));
}

/**
 * The studio trainer's data order for the epochs the run takes: epoch e
 * visits the pairs in `epochOrder(pairs, seed, e)` (its seeded shuffle), so
 * train.py, reading the rows in that order, trains on the studio's pairs at
 * every step — with N processes too (accelerate hands the batches out in turn).
 */
function trainOrder(config: RunConfig, pairs: number): { seed: number; epochs: number[][] } {
  const epochs = config.maxSteps === null ? config.epochs : Math.ceil(config.maxSteps / stepsPerEpoch(pairs, config));
  return { seed: config.seed, epochs: Array.from({ length: Math.max(1, epochs) }, (_, e) => epochOrder(pairs, config.seed, e)) };
}

interface DataFiles {
  train: number;
  test: number;
  /** Records the trainer cannot use (no rejected side for a preference objective, no chosen side at all). */
  skipped: number;
}

function writeData(db: Db, source: TrlExportSource, dir: string, mapping: TrlMapping): DataFiles {
  const sft = mapping.trainer === 'sft';
  const lines: Record<'train' | 'test', string[]> = { train: [], test: [] };
  let skipped = 0;
  for (const record of snapshotContents(db, source.snapshot.id)) {
    // The studio's trainer evaluates on preference pairs only, for SFT too.
    if (!trains(record, sft && record.split !== 'test')) {
      skipped++;
      continue;
    }
    // As the studio's trainer: records outside the test split train, in the snapshot's order (its pairs' indices).
    lines[record.split === 'test' ? 'test' : 'train'].push(JSON.stringify(trlRow(record, sft, source.config.chatTemplate)));
  }
  if (lines.train.length === 0)
    throw new StudioError(
      'INVALID_ARGUMENT',
      `Snapshot "${source.snapshot.name}" has no training pairs the ${mapping.trainer} trainer can use.`,
    );
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'train.jsonl'), `${lines.train.join('\n')}\n`);
  if (lines.test.length > 0) writeFileSync(join(dir, 'data', 'test.jsonl'), `${lines.test.join('\n')}\n`);
  const order = trainOrder(source.config, lines.train.length);
  writeFileSync(join(dir, 'data', 'train_order.json'), `${JSON.stringify(order)}\n`);
  const manifest = {
    snapshot: { id: source.snapshot.id, name: source.snapshot.name, contentHash: source.snapshot.contentHash },
    format: source.config.chatTemplate ? 'trl-conversational' : 'trl-standard',
    kind: sft ? 'prompt-completion' : 'preference',
    train: { file: 'train.jsonl', rows: lines.train.length },
    test: lines.test.length > 0 ? { file: 'test.jsonl', rows: lines.test.length } : null,
    order: { file: 'train_order.json', seed: order.seed, epochs: order.epochs.length },
    skipped,
  };
  writeFileSync(join(dir, 'data', 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { train: lines.train.length, test: lines.test.length, skipped };
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
    })
    .sort();
}

/** Refuses a target that exists and is not an empty folder: an export never writes over files. */
export function assertFreeFolder(out: string): void {
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0))
    throw new StudioError('CONFLICT', `${out} already exists and is not an empty folder; choose a new folder for the export.`);
}

/** Writes the project into `out` (created; refused when it exists and is not empty). */
export function writeTrlExport(db: Db, assetsDir: string, source: TrlExportSource, out: string): TrlExportResult {
  const model = modelNameOrPath(source);
  assertFreeFolder(out);
  const mapping = trlMapping(source.config);
  const temp = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  try {
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    const data = writeData(db, source, temp, mapping);
    const args = { ...mapping.args };
    // Without held-out pairs there is nothing to evaluate.
    if (data.test === 0) args['eval_strategy'] = 'no';
    const config = {
      studio: {
        run: source.runId,
        name: source.name,
        snapshot: { id: source.snapshot.id, name: source.snapshot.name, contentHash: source.snapshot.contentHash },
        objective: source.config.objective,
      },
      model_name_or_path: model,
      trainer: mapping.trainer,
      config_class: mapping.configClass,
      args,
      peft: mapping.peft,
      mmpo: mapping.mmpo,
      data: { train: 'data/train.jsonl', test: data.test > 0 ? 'data/test.jsonl' : null, order: 'data/train_order.json' },
      // "studio": train.py visits the rows in the studio trainer's seeded order (data/train_order.json); "trl": TRL's shuffle.
      data_order: mapping.trainer === 'mmpo' || mapping.trainer === 'dpo' ? 'studio' : 'trl',
      ...mapping.studio,
      keep_effective_batch: true,
      evaluate_at_end: mapping.evaluateAtEnd && data.test > 0,
    };
    writeFileSync(join(temp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    cpSync(join(assetsDir, 'trl-export'), temp, { recursive: true, filter: (path) => !path.includes('__pycache__') });
    writeFileSync(join(temp, 'requirements.txt'), requirementsTxt(TRL_REQUIREMENTS));
    writeFileSync(join(temp, 'README.md'), trlReadme({ ...source, model, mapping, data }));
    if (existsSync(out)) rmSync(out, { recursive: true });
    mkdirSync(dirname(out), { recursive: true });
    renameSync(temp, out);
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    if (err instanceof StudioError) throw err;
    throw fileError(err, out, 'write');
  }
  return { path: out, files: listFiles(out), unsupported: mapping.unsupported };
}
