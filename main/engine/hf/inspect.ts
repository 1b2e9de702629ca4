/**
 * What a model folder holds, read from headers only (no weights are loaded):
 * for `studio model inspect DIR` and for checks before a job starts.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parameterCount } from '../models/parameters';
import { openSafetensorsFolder } from '../safetensors';
import { HfTokenizer } from '../tokenizer';
import { readModelConfig } from './folder';
import type { ModelConfig } from './config';

export interface ModelInspection {
  dir: string;
  modelType: ModelConfig['modelType'];
  architecture: string;
  config: Omit<ModelConfig, 'raw'>;
  parameters: number;
  /** Bytes the weights take as float32 in memory. */
  float32Bytes: number;
  weightFiles: string[];
  tensorCount: number;
  /** Stored dtypes and how many tensors use each. */
  dtypes: Record<string, number>;
  tokenizer: {
    vocabSize: number;
    bosToken: string | null;
    eosToken: string | null;
    padToken: string | null;
    hasChatTemplate: boolean;
  } | null;
  hasGenerationConfig: boolean;
}

export async function inspectModel(dir: string): Promise<ModelInspection> {
  const config = await readModelConfig(dir);
  const files = await openSafetensorsFolder(dir);
  const dtypes: Record<string, number> = {};
  let tensorCount = 0;
  for (const f of files) {
    for (const t of f.tensors.values()) {
      dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
      tensorCount++;
    }
  }
  const tok = await HfTokenizer.fromFolder(dir);
  const parameters = parameterCount(config);
  const { raw: _raw, ...summary } = config;
  const archs = config.raw.architectures;
  return {
    dir,
    modelType: config.modelType,
    architecture: Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : config.modelType,
    config: summary,
    parameters,
    float32Bytes: parameters * 4,
    weightFiles: files.map((f) => path.basename(f.file)),
    tensorCount,
    dtypes,
    tokenizer: tok
      ? {
          vocabSize: tok.vocabSize,
          bosToken: tok.bosToken,
          eosToken: tok.eosToken,
          padToken: tok.padToken,
          hasChatTemplate: tok.chatTemplate !== null,
        }
      : null,
    hasGenerationConfig: await fs.stat(path.join(dir, 'generation_config.json')).then(
      () => true,
      () => false,
    ),
  };
}
