/**
 * Reads behind the N-model arena (issue 15 item 8): a snapshot split's
 * record ids and metas, and an arena queue's pairs with the model behind
 * each side (from the sources stored with every generated pair).
 */
import { Store } from '../db/store';

export interface ArenaItemRow {
  id: number;
  record_id: number | null;
  prompt: string;
  system: string | null;
  source_a: string;
  source_b: string;
  response_a: string;
  response_b: string;
  hash_a: string | null;
  hash_b: string | null;
  name_a: string | null;
  name_b: string | null;
}

export class ArenaStore extends Store {
  /** The dataset record ids of a snapshot's split, in the snapshot's order (a train split holds the unsplit records too). */
  splitRecordIds(snapshotId: number, split: 'test' | 'train'): number[] {
    return this.value<[number, number], number>(
      "SELECT record_id FROM snapshot_records WHERE snapshot_id = ? AND (split IS 'test') = ? AND record_id IS NOT NULL ORDER BY ordinal",
    ).all(snapshotId, split === 'test' ? 1 : 0);
  }

  /** The meta of these records as the snapshot froze them, by record id. */
  recordMetas(snapshotId: number, recordIds: readonly number[]): Map<number, unknown> {
    const rows = this.sql<[number, string], { record_id: number; meta: string | null }>(
      "SELECT record_id, content ->> '$.meta' AS meta FROM snapshot_records WHERE snapshot_id = ? AND record_id IN (SELECT value FROM json_each(?))",
    ).all(snapshotId, JSON.stringify(recordIds));
    return new Map(rows.map((r) => [r.record_id, r.meta === null ? null : (JSON.parse(r.meta) as unknown)]));
  }

  /** The split a snapshot record is in. */
  recordSplit(snapshotId: number, recordId: number): 'test' | 'train' {
    const split = this.value<[number, number], 'test' | 'train' | null>(
      'SELECT split FROM snapshot_records WHERE snapshot_id = ? AND record_id = ?',
    ).get(snapshotId, recordId);
    return split === 'test' ? 'test' : 'train';
  }

  items(queueId: number): ArenaItemRow[] {
    return this.sql<[number], ArenaItemRow>(
      `SELECT id, record_id, prompt, system, source_a, source_b, response_a, response_b,
              source_a ->> '$.modelHash' AS hash_a, source_b ->> '$.modelHash' AS hash_b,
              source_a ->> '$.modelName' AS name_a, source_b ->> '$.modelName' AS name_b
       FROM label_items WHERE queue_id = ? ORDER BY position`,
    ).all(queueId);
  }
}
