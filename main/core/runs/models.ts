/**
 * Reading a model folder for the registry and the launcher, from headers
 * only (config.json, safetensors headers, tokenizer files) and without tensor
 * code, so the UI process never loads tfjs.
 */
import { promises as fs } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ModelEntry } from '../../../shared/runs';
import { StudioError } from '../../../shared/result';
import { parseModelConfig, type ModelConfig } from '../../engine/hf/config';
import { parameterCount } from '../../engine/models/parameters';
import { openSafetensorsFolder } from '../../engine/safetensors';
import { checkTokenizerMatches, HfTokenizer } from '../../engine/tokenizer';

export interface FolderModel {
  config: ModelConfig;
  entry: Omit<ModelEntry, 'id' | 'createdAt' | 'origin' | 'name'>;
}

export async function readModelFolderConfig(dir: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await fs.readFile(resolve(dir, 'config.json'), 'utf8');
  } catch {
    throw new StudioError('INVALID_ARGUMENT', `${dir} is not a model folder: config.json is missing or unreadable.`);
  }
  try {
    return parseModelConfig(JSON.parse(text) as Record<string, unknown>);
  } catch (err) {
    throw new StudioError('INVALID_ARGUMENT', `${dir}/config.json: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Checks that a folder is a loadable HF model (config, weights, tokenizer) and summarises it. */
export async function inspectModelFolder(dir: string): Promise<FolderModel> {
  const path = resolve(dir);
  const config = await readModelFolderConfig(path);
  const weightsProblem = await openSafetensorsFolder(path).then(
    (files) => (files.length === 0 ? 'no .safetensors weights' : null),
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  if (weightsProblem !== null) throw new StudioError('INVALID_ARGUMENT', `${path}: the weights cannot be read (${weightsProblem}).`);
  let tokenizer: HfTokenizer | null;
  try {
    tokenizer = await HfTokenizer.fromFolder(path);
  } catch (err) {
    throw new StudioError(
      'INVALID_ARGUMENT',
      `${path}: the tokenizer cannot be read (${err instanceof Error ? err.message : String(err)}).`,
    );
  }
  if (!tokenizer) throw new StudioError('INVALID_ARGUMENT', `${path} has no tokenizer.json: training needs the model's own tokenizer.`);
  try {
    checkTokenizerMatches(path, config, tokenizer);
  } catch (err) {
    throw new StudioError('INVALID_ARGUMENT', err instanceof Error ? err.message : String(err));
  }
  return {
    config,
    entry: {
      path,
      modelType: config.modelType,
      parameters: parameterCount(config),
      hiddenSize: config.hiddenSize,
      numLayers: config.numLayers,
      vocabSize: config.vocabSize,
      hasChatTemplate: tokenizer.chatTemplate !== null,
    },
  };
}

export function defaultModelName(dir: string): string {
  return basename(resolve(dir));
}
