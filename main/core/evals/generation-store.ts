/**
 * Stored generations (migration 0010): every response a win-rate item
 * generated, keyed by (model hash, prompt hash, sampling settings hash). The
 * eval worker reads what is there (read-only) and generates only the rest;
 * the job writes each new one as the worker sends it.
 */
import type { FinishReason } from '../../engine/generate';
import { Store } from '../db/store';

export interface GenerationKey {
  modelHash: string;
  promptHash: string;
  settingsHash: string;
}

export interface StoredGeneration extends GenerationKey {
  id: number;
  prompt: string;
  text: string;
  tokens: number;
  finishReason: FinishReason;
  settings: Record<string, unknown>;
  modelName: string;
  jobId: number | null;
  createdAt: number;
}

interface Row {
  id: number;
  model_hash: string;
  prompt_hash: string;
  settings_hash: string;
  prompt: string;
  text: string;
  tokens: number;
  finish_reason: FinishReason;
  settings: string;
  model_name: string;
  job_id: number | null;
  created_at: number;
}

const toGeneration = (r: Row): StoredGeneration => ({
  id: r.id,
  modelHash: r.model_hash,
  promptHash: r.prompt_hash,
  settingsHash: r.settings_hash,
  prompt: r.prompt,
  text: r.text,
  tokens: r.tokens,
  finishReason: r.finish_reason,
  settings: JSON.parse(r.settings) as Record<string, unknown>,
  modelName: r.model_name,
  jobId: r.job_id,
  createdAt: r.created_at,
});

export class GenerationStore extends Store {
  find(key: GenerationKey): StoredGeneration | null {
    const row = this.sql<[string, string, string], Row>(
      'SELECT * FROM generations WHERE model_hash = ? AND prompt_hash = ? AND settings_hash = ?',
    ).get(key.modelHash, key.promptHash, key.settingsHash);
    return row ? toGeneration(row) : null;
  }

  get(id: number): StoredGeneration | null {
    const row = this.sql<[number], Row>('SELECT * FROM generations WHERE id = ?').get(id);
    return row ? toGeneration(row) : null;
  }

  /** The stored generations of one model with one settings hash among these prompts, by prompt hash. */
  findMany(modelHash: string, settingsHash: string, promptHashes: readonly string[]): Map<string, StoredGeneration> {
    const out = new Map<string, StoredGeneration>();
    const get = this.sql<[string, string, string], Row>(
      'SELECT * FROM generations WHERE model_hash = ? AND prompt_hash = ? AND settings_hash = ?',
    );
    for (const hash of new Set(promptHashes)) {
      const row = get.get(modelHash, hash, settingsHash);
      if (row) out.set(hash, toGeneration(row));
    }
    return out;
  }

  /** Stores a generation (one that is already there for the same key is kept: generations are deterministic). */
  put(g: Omit<StoredGeneration, 'id' | 'createdAt'>): StoredGeneration {
    this.sql(
      `INSERT INTO generations (model_hash, prompt_hash, settings_hash, prompt, text, tokens, finish_reason, settings, model_name, job_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model_hash, prompt_hash, settings_hash) DO NOTHING`,
    ).run(
      g.modelHash,
      g.promptHash,
      g.settingsHash,
      g.prompt,
      g.text,
      g.tokens,
      g.finishReason,
      JSON.stringify(g.settings),
      g.modelName,
      g.jobId,
      Date.now(),
    );
    return this.find(g)!;
  }

  /** How many generations are stored for a model with a settings hash. */
  count(modelHash: string, settingsHash: string): number {
    return this.value<[string, string], number>('SELECT COUNT(*) FROM generations WHERE model_hash = ? AND settings_hash = ?').get(
      modelHash,
      settingsHash,
    )!;
  }
}
