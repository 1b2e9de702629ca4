/**
 * Hugging Face model folders: load (config, safetensors or shards, tokenizer,
 * generation config) and save in the same layout, atomically, so that
 * transformers' `from_pretrained` loads the result unchanged.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors';
import { readJsonIfExists } from '../json-file';
import { CausalLM } from '../models/causal-lm';
import { canonicalTensorName, parameterSpecs } from '../models/parameters';
import { openSafetensorsFolder, writeSafetensors, SHARD_INDEX, SINGLE_FILE, type TensorToWrite } from '../safetensors';
import { checkFits, estimateMemory, type MemoryBudget } from '../memory';
import { checkTokenizerMatches, HfTokenizer } from '../tokenizer';
import { architectureOf, parseModelConfig, type ModelConfig } from './config';

/** Tokenizer-side files copied verbatim when a checkpoint is saved. */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'vocab.json',
  'merges.txt',
  'added_tokens.json',
];

export interface LoadedModel {
  dir: string;
  model: CausalLM;
  tokenizer: HfTokenizer | null;
  generationConfig: Record<string, unknown> | null;
  /** Checkpoint tensors that were skipped (unknown names); empty for clean checkpoints. */
  ignoredTensors: string[];
}

export async function readModelConfig(dir: string): Promise<ModelConfig> {
  const file = path.join(dir, 'config.json');
  const raw = await readJsonIfExists(file, 'model_folder_invalid');
  if (!raw) throw new EngineError('model_folder_invalid', `${dir} is not a model folder: config.json is missing`);
  return parseModelConfig(raw);
}

export interface LoadOptions {
  /** Refuse (before reading any weights) when the float32 weights cannot fit this budget. */
  budget?: MemoryBudget;
}

/** Loads a local HF folder. Tensors are read one at a time straight into variables. */
export async function loadModel(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const config = await readModelConfig(dir);
  // The tokenizer is checked against the config before any weight is read: a mismatch fails at once.
  const tokenizer = await HfTokenizer.fromFolder(dir);
  checkTokenizerMatches(dir, config, tokenizer);
  if (opts.budget) {
    const fit = checkFits(estimateMemory({ config, task: 'generate', batchSize: 1, seqLen: 1 }), opts.budget);
    if (!fit.ok) throw new EngineError('out_of_memory', `Cannot load ${dir}: ${fit.message} ${fit.suggestions.join(' ')}`);
  }
  const expected = new Map(parameterSpecs(config).map((p) => [p.name, p.shape]));
  const files = await openSafetensorsFolder(dir);
  const weights = new Map<string, tf.Variable>();
  const ignored: string[] = [];
  try {
    for (const file of files) {
      await file.read((t) => {
        const name = canonicalTensorName(config, t.name);
        if (name === null) return;
        const shape = expected.get(name);
        if (!shape) {
          ignored.push(t.name);
          return;
        }
        if (shape.join(',') !== t.shape.join(',')) {
          throw new EngineError(
            'weights_mismatch',
            `${file.file}: tensor ${t.name} has shape [${t.shape.join(',')}] but config.json implies [${shape.join(',')}]`,
          );
        }
        const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
        weights.set(
          name,
          tf.tidy(() => tf.variable(tf.tensor(data, shape, 'float32'), true)),
        );
      });
    }
    const missing = [...expected.keys()].filter((n) => !weights.has(n));
    if (missing.length) {
      throw new EngineError(
        'weights_mismatch',
        `${dir}: checkpoint lacks ${missing.length} weight(s) the ${config.modelType} config needs: ${missing.slice(0, 6).join(', ')}`,
      );
    }
  } catch (e) {
    for (const v of weights.values()) v.dispose();
    throw e;
  }
  // Keep the variables in canonical order so saving is deterministic.
  const ordered = new Map([...expected.keys()].map((n) => [n, weights.get(n)!]));
  return {
    dir,
    model: new CausalLM(config, ordered),
    tokenizer,
    generationConfig: await readJsonIfExists(path.join(dir, 'generation_config.json'), 'model_folder_invalid'),
    ignoredTensors: ignored,
  };
}

/** config.json for a model: the original fields, with those this engine owns refreshed. */
export function configJsonFor(config: ModelConfig): Record<string, unknown> {
  return {
    ...config.raw,
    architectures: [architectureOf(config)],
    model_type: config.modelType,
    torch_dtype: 'float32',
    tie_word_embeddings: config.tieWordEmbeddings,
  };
}

export interface SaveOptions {
  /** Folder whose tokenizer files (and generation_config.json) are copied next to the weights. */
  tokenizerDir?: string;
  generationConfig?: Record<string, unknown>;
  /** Split weights into shards of at most this many bytes (transformers' default: 5 GB). */
  maxShardBytes?: number;
}

/** Groups tensors into shards in order, like transformers' `max_shard_size`. */
function planShards(tensors: { name: string; bytes: number }[], maxBytes: number): string[][] {
  const shards: string[][] = [[]];
  let size = 0;
  for (const t of tensors) {
    if (size > 0 && size + t.bytes > maxBytes) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1]!.push(t.name);
    size += t.bytes;
  }
  return shards;
}

async function writeWeights(model: CausalLM, dir: string, maxShardBytes: number): Promise<void> {
  const sizes = [...model.weights].map(([name, v]) => ({ name, bytes: v.size * 4 }));
  const shards = planShards(sizes, maxShardBytes);
  const pad = (n: number): string => String(n).padStart(5, '0');
  const weightMap: Record<string, string> = {};
  for (let i = 0; i < shards.length; i++) {
    const file = shards.length === 1 ? SINGLE_FILE : `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`;
    const tensors: TensorToWrite[] = [];
    for (const name of shards[i]!) {
      const v = model.weights.get(name)!;
      tensors.push({ name, shape: v.shape, data: async () => (await v.data()) as Float32Array });
      weightMap[name] = file;
    }
    await writeSafetensors(path.join(dir, file), tensors);
  }
  if (shards.length > 1) {
    const index = { metadata: { total_size: sizes.reduce((n, t) => n + t.bytes, 0) }, weight_map: weightMap };
    await fs.writeFile(path.join(dir, SHARD_INDEX), JSON.stringify(index, null, 2) + '\n');
  }
}

/**
 * Saves as an HF folder (model.safetensors in F32, sharded with an index above `maxShardBytes`, config.json, tokenizer files),
 * atomically: everything is written to a temp folder beside `dir`, then renamed
 * over it, so a crash never leaves a half-written checkpoint.
 */
export async function saveModel(model: CausalLM, dir: string, opts: SaveOptions = {}): Promise<void> {
  const target = path.resolve(dir);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp);
  try {
    await writeWeights(model, tmp, opts.maxShardBytes ?? 5e9);
    await fs.writeFile(path.join(tmp, 'config.json'), JSON.stringify(configJsonFor(model.config), null, 2) + '\n');
    if (opts.tokenizerDir) {
      for (const f of [...TOKENIZER_FILES, 'generation_config.json']) {
        await fs.copyFile(path.join(opts.tokenizerDir, f), path.join(tmp, f)).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
      }
    }
    if (opts.generationConfig) {
      await fs.writeFile(path.join(tmp, 'generation_config.json'), JSON.stringify(opts.generationConfig, null, 2) + '\n');
    }
    const old = `${target}.old-${process.pid}-${Date.now()}`;
    const hadOld = await fs.rename(target, old).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return false;
        throw e;
      },
    );
    try {
      await fs.rename(tmp, target);
    } catch (e) {
      if (hadOld) await fs.rename(old, target);
      throw e;
    }
    if (hadOld) await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
