import type { Message } from '../../../shared/datasets';
import type { CandidateSettings, ItemSources, ResponseSource } from '../../../shared/labeling';
import { Store } from '../db/store';

/** A prompt of a prompts or arena queue, waiting for (or holding) its candidates. */
export interface PromptRow {
  id: number;
  queue_id: number;
  record_id: number | null;
  prompt: string;
  system: string | null;
  prompt_hash: string;
  position: number;
  filled_at: number | null;
  note: string | null;
}

export interface NewPrompt {
  recordId: number | null;
  prompt: string;
  system: string | null;
  promptHash: string;
  position: number;
}

/** A generated pair, ready to insert (its position is given by the store: after the queue's last). */
export interface NewGeneratedItem {
  recordId: number | null;
  prompt: string;
  system: string | null;
  a: string;
  b: string;
  contentHash: string;
  sourceA: ResponseSource;
  sourceB: ResponseSource;
}

/** A pair as the uncertainty scorer reads it. */
export interface PairToScore {
  id: number;
  prompt: Message[];
  system: string | null;
  a: Message[];
  b: Message[];
}

export interface NewMargin {
  itemId: number;
  margin: number | null;
  logpA: number | null;
  logpB: number | null;
  tokensA: number | null;
  tokensB: number | null;
}

/** The model whose margins ordered a queue, and the cache key its margins are stored under. */
export interface OrderedBy {
  modelHash: string;
  modelName: string;
  scorerKey: string;
}

/**
 * The prompts of prompts/arena queues, generated pairs with the source of each
 * response, a queue's candidate settings, and per-pair margins for the
 * uncertainty order (migration 0008).
 */
export class CandidateStore extends Store {
  insertPrompts(queueId: number, prompts: readonly NewPrompt[]): void {
    const insert = this.sql(
      'INSERT INTO label_prompts (queue_id, record_id, prompt, system, prompt_hash, position) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const p of prompts) insert.run(queueId, p.recordId, p.prompt, p.system, p.promptHash, p.position);
  }

  promptCounts(queueId: number): { total: number; filled: number } {
    const row = this.sql<[number], { total: number; filled: number | null }>(
      'SELECT count(*) AS total, sum(filled_at IS NOT NULL) AS filled FROM label_prompts WHERE queue_id = ?',
    ).get(queueId)!;
    return { total: row.total, filled: row.filled ?? 0 };
  }

  /** The prompts still without candidates, in the queue's order. */
  openPrompts(queueId: number): PromptRow[] {
    return this.sql<[number], PromptRow>('SELECT * FROM label_prompts WHERE queue_id = ? AND filled_at IS NULL ORDER BY position').all(
      queueId,
    );
  }

  prompt(id: number): PromptRow | undefined {
    return this.sql<[number], PromptRow>('SELECT * FROM label_prompts WHERE id = ?').get(id);
  }

  /**
   * Stores a prompt's generated pairs after the queue's last item and marks the
   * prompt filled — in the caller's transaction, so a prompt is either done
   * with all its pairs or still open. A prompt filled already (by another job
   * on the same queue) keeps its pairs: false, and nothing is written.
   */
  fillPrompt(promptId: number, queueId: number, items: readonly NewGeneratedItem[], note: string | null): boolean {
    const claimed = this.sql('UPDATE label_prompts SET filled_at = ?, note = ? WHERE id = ? AND filled_at IS NULL').run(
      Date.now(),
      note,
      promptId,
    );
    if (claimed.changes === 0) return false;
    let position = (this.value<[number], number | null>('SELECT max(position) FROM label_items WHERE queue_id = ?').get(queueId) ?? -1) + 1;
    const insert = this.sql(
      `INSERT INTO label_items (queue_id, record_id, prompt, system, response_a, response_b, content_hash, position, source_a, source_b, prompt_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const it of items)
      insert.run(
        queueId,
        it.recordId,
        it.prompt,
        it.system,
        it.a,
        it.b,
        it.contentHash,
        position++,
        JSON.stringify(it.sourceA),
        JSON.stringify(it.sourceB),
        promptId,
      );
    return true;
  }

  candidates(queueId: number): CandidateSettings | null {
    const raw = this.value<[number], string | null>('SELECT candidates FROM label_queues WHERE id = ?').get(queueId);
    return raw ? (JSON.parse(raw) as CandidateSettings) : null;
  }

  setCandidates(queueId: number, settings: CandidateSettings): void {
    this.sql('UPDATE label_queues SET candidates = ? WHERE id = ?').run(JSON.stringify(settings), queueId);
  }

  orderedBy(queueId: number): OrderedBy | null {
    const raw = this.value<[number], string | null>('SELECT ordered_by FROM label_queues WHERE id = ?').get(queueId);
    return raw ? (JSON.parse(raw) as OrderedBy) : null;
  }

  /** Ids of the queue's items (in its order) that have no margin under this scorer yet. */
  unscoredItemIds(queueId: number, scorerKey: string): number[] {
    return this.value<[string, number], number>(
      `SELECT i.id FROM label_items i LEFT JOIN label_margins m ON m.item_id = i.id AND m.scorer_key = ?
       WHERE i.queue_id = ? AND m.item_id IS NULL ORDER BY i.position`,
    ).all(scorerKey, queueId);
  }

  itemCount(queueId: number): number {
    return this.value<[number], number>('SELECT count(*) FROM label_items WHERE queue_id = ?').get(queueId) ?? 0;
  }

  /** The pairs to score, by id (a page of ids at a time keeps the statement's parameters few). */
  pairsToScore(ids: readonly number[]): PairToScore[] {
    const out: PairToScore[] = [];
    const read = this.sql<[string], { id: number; prompt: string; system: string | null; response_a: string; response_b: string }>(
      'SELECT id, prompt, system, response_a, response_b FROM label_items WHERE id IN (SELECT value FROM json_each(?)) ORDER BY position',
    );
    for (let i = 0; i < ids.length; i += 5000)
      for (const r of read.all(JSON.stringify(ids.slice(i, i + 5000))))
        out.push({
          id: r.id,
          prompt: JSON.parse(r.prompt) as Message[],
          system: r.system,
          a: JSON.parse(r.response_a) as Message[],
          b: JSON.parse(r.response_b) as Message[],
        });
    return out;
  }

  putMargins(scorerKey: string, modelHash: string, margins: readonly NewMargin[]): void {
    const insert = this.sql(
      `INSERT OR REPLACE INTO label_margins (item_id, scorer_key, model_hash, margin, logp_a, logp_b, tokens_a, tokens_b, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = Date.now();
    for (const m of margins) insert.run(m.itemId, scorerKey, modelHash, m.margin, m.logpA, m.logpB, m.tokensA, m.tokensB, now);
  }

  /** Pairs of the queue with no margin under this scorer (the scorer could not score them). */
  unscorable(queueId: number, scorerKey: string): number {
    return (
      this.value<[string, number], number>(
        `SELECT count(*) FROM label_items i JOIN label_margins m ON m.item_id = i.id AND m.scorer_key = ?
         WHERE i.queue_id = ? AND m.margin IS NULL`,
      ).get(scorerKey, queueId) ?? 0
    );
  }

  /**
   * Renumbers the queue's positions by margin, smallest first (pairs without a
   * margin last, ties in their current order), and marks the queue ordered
   * `uncertain` by this model. Positions are unique per queue, so they move to
   * negatives first and then to their ranks.
   */
  applyUncertainOrder(queueId: number, orderedBy: OrderedBy): void {
    this.sql('UPDATE label_items SET position = -1 - position WHERE queue_id = ?').run(queueId);
    this.sql(
      `WITH ranked AS (
         SELECT i.id, row_number() OVER (ORDER BY m.margin IS NULL, m.margin, -1 - i.position) - 1 AS rank
         FROM label_items i LEFT JOIN label_margins m ON m.item_id = i.id AND m.scorer_key = ?
         WHERE i.queue_id = ?)
       UPDATE label_items SET position = ranked.rank FROM ranked WHERE label_items.id = ranked.id`,
    ).run(orderedBy.scorerKey, queueId);
    this.sql("UPDATE label_queues SET item_order = 'uncertain', ordered_by = ? WHERE id = ?").run(JSON.stringify(orderedBy), queueId);
  }

  /** A page of the queue's items with where each response came from and the margin that ordered it. */
  itemSources(queueId: number, scorerKey: string | null, offset: number, limit: number): ItemSources[] {
    return this.sql<
      [string | null, number, number, number],
      {
        id: number;
        record_id: number | null;
        position: number;
        content_hash: string;
        source_a: string;
        source_b: string;
        margin: number | null;
      }
    >(
      `SELECT i.id, i.record_id, i.position, i.content_hash, i.source_a, i.source_b, m.margin
       FROM label_items i LEFT JOIN label_margins m ON m.item_id = i.id AND m.scorer_key = ?
       WHERE i.queue_id = ? ORDER BY i.position LIMIT ? OFFSET ?`,
    )
      .all(scorerKey, queueId, limit, offset)
      .map((r) => ({
        itemId: r.id,
        recordId: r.record_id,
        position: r.position,
        contentHash: r.content_hash,
        a: JSON.parse(r.source_a) as ResponseSource,
        b: JSON.parse(r.source_b) as ResponseSource,
        margin: r.margin,
      }));
  }

  /** Which model (slot A or B) gave each side of every pair of a queue; null for a side from the dataset. */
  slots(queueId: number): Map<number, { a: 'A' | 'B' | null; b: 'A' | 'B' | null }> {
    const out = new Map<number, { a: 'A' | 'B' | null; b: 'A' | 'B' | null }>();
    for (const r of this.sql<[number], { id: number; a: 'A' | 'B' | null; b: 'A' | 'B' | null }>(
      "SELECT id, source_a ->> '$.slot' AS a, source_b ->> '$.slot' AS b FROM label_items WHERE queue_id = ?",
    ).all(queueId))
      out.set(r.id, { a: r.a, b: r.b });
    return out;
  }
}
