/**
 * Evaluation results in the workspace database (migration 0005): the `eval`
 * job's cache, keyed by (model hash, data hash, settings hash), and each
 * result's per-item rows for drill-down.
 */
import type { EvalItemKind, EvalItemResult, EvalResult } from '../../../shared/evals';
import { StudioError } from '../../../shared/result';
import { Store } from '../db/store';

interface ResultRow {
  id: number;
  model_hash: string;
  data_hash: string;
  settings_hash: string;
  item_kind: EvalItemKind;
  item_label: string;
  model_id: number | null;
  model_name: string;
  run_id: number | null;
  run_step: number | null;
  settings: string;
  metrics: string;
  summary: string;
  job_id: number | null;
  created_at: number;
}

interface ItemRow {
  seq: number;
  item_id: string;
  correct: number | null;
  detail: string;
}

const toResult = (r: ResultRow): EvalResult => ({
  id: r.id,
  kind: r.item_kind,
  label: r.item_label,
  modelHash: r.model_hash,
  dataHash: r.data_hash,
  settingsHash: r.settings_hash,
  modelId: r.model_id,
  modelName: r.model_name,
  runId: r.run_id,
  runStep: r.run_step,
  settings: JSON.parse(r.settings) as Record<string, unknown>,
  metrics: JSON.parse(r.metrics) as EvalResult['metrics'],
  summary: JSON.parse(r.summary) as EvalResult['summary'],
  jobId: r.job_id,
  createdAt: r.created_at,
});

/** What identifies a cached result. */
export interface EvalKey {
  modelHash: string;
  dataHash: string;
  settingsHash: string;
}

export type NewEvalResult = EvalKey & Omit<EvalResult, 'id' | 'createdAt' | keyof EvalKey>;

export class EvalStore extends Store {
  /** The cached result for this model, data and settings, or null. */
  find(key: EvalKey): EvalResult | null {
    const row = this.sql<[string, string, string], ResultRow>(
      'SELECT * FROM eval_results WHERE model_hash = ? AND data_hash = ? AND settings_hash = ?',
    ).get(key.modelHash, key.dataHash, key.settingsHash);
    return row ? toResult(row) : null;
  }

  get(id: number): EvalResult {
    const row = this.sql<[number], ResultRow>('SELECT * FROM eval_results WHERE id = ?').get(id);
    if (!row) throw new StudioError('NOT_FOUND', `Evaluation result #${id} does not exist.`);
    return toResult(row);
  }

  /** Results, newest first; `modelId` keeps one model's. */
  list(filter: { modelId?: number; limit?: number } = {}): EvalResult[] {
    const limit = filter.limit ?? 500;
    const rows =
      filter.modelId === undefined
        ? this.sql<[number], ResultRow>('SELECT * FROM eval_results ORDER BY id DESC LIMIT ?').all(limit)
        : this.sql<[number, number], ResultRow>('SELECT * FROM eval_results WHERE model_id = ? ORDER BY id DESC LIMIT ?').all(
            filter.modelId,
            limit,
          );
    return rows.map(toResult);
  }

  /** Stores a result and its items in one transaction; an existing result for the same key is replaced. */
  put(result: NewEvalResult, items: readonly Omit<EvalItemResult, 'seq'>[]): EvalResult {
    return this.transaction(() => {
      this.sql('DELETE FROM eval_results WHERE model_hash = ? AND data_hash = ? AND settings_hash = ?').run(
        result.modelHash,
        result.dataHash,
        result.settingsHash,
      );
      const info = this.sql(
        `INSERT INTO eval_results (model_hash, data_hash, settings_hash, item_kind, item_label, model_id, model_name, run_id, run_step,
                                   settings, metrics, summary, job_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        result.modelHash,
        result.dataHash,
        result.settingsHash,
        result.kind,
        result.label,
        result.modelId,
        result.modelName,
        result.runId,
        result.runStep,
        JSON.stringify(result.settings),
        JSON.stringify(result.metrics),
        JSON.stringify(result.summary),
        result.jobId,
        Date.now(),
      );
      const id = Number(info.lastInsertRowid);
      const insert = this.sql('INSERT INTO eval_item_results (result_id, seq, item_id, correct, detail) VALUES (?, ?, ?, ?, ?)');
      items.forEach((item, seq) =>
        insert.run(id, seq, item.itemId, item.correct === null ? null : item.correct ? 1 : 0, JSON.stringify(item.detail)),
      );
      return this.get(id);
    }, 'immediate');
  }

  /** The results with these ids that still exist, and those a job stored (a cancelled job's finished items), by id. */
  ofJob(jobId: number, ids: readonly number[]): EvalResult[] {
    return this.sql<[number, string], ResultRow>(
      'SELECT * FROM eval_results WHERE job_id = ? OR id IN (SELECT value FROM json_each(?)) ORDER BY id',
    )
      .all(jobId, JSON.stringify(ids))
      .map(toResult);
  }

  /** A page of a result's items, in order. */
  items(resultId: number, offset: number, limit: number): { items: EvalItemResult[]; total: number } {
    const total = this.value<[number], number>('SELECT COUNT(*) FROM eval_item_results WHERE result_id = ?').get(resultId) ?? 0;
    const rows = this.sql<[number, number, number], ItemRow>(
      'SELECT seq, item_id, correct, detail FROM eval_item_results WHERE result_id = ? AND seq >= ? ORDER BY seq LIMIT ?',
    ).all(resultId, offset, limit);
    return {
      total,
      items: rows.map((r) => ({
        seq: r.seq,
        itemId: r.item_id,
        correct: r.correct === null ? null : r.correct === 1,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
      })),
    };
  }
}
