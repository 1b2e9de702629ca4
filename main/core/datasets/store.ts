import { type Dataset, type DatasetRecord, type RecordContent, type RecordSummary } from '../../../shared/datasets';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { Store } from '../db/store';
import { bitsToFlags, deriveColumns, flagsToBits, intrinsicFlags, type DerivedColumns } from './content';

/** A row of the records table: the stored content plus the columns derived from it. */
export interface RecordRow extends DerivedColumns {
  id: number;
  dataset_id: number;
  import_id: number | null;
  kind: RecordContent['kind'];
  prompt: string;
  chosen: string | null;
  rejected: string | null;
  responses: string | null;
  system: string | null;
  split: 'train' | 'test' | null;
  flags: number;
  meta: string;
  source_file: string | null;
  source_line: number | null;
  source_row: number | null;
  original: string | null;
  version: number;
  created_at: number;
  updated_at: number;
}

/** A record about to be stored: its content plus where it came from. */
export interface NewRecord extends RecordContent {
  meta?: Record<string, unknown>;
  source?: { file: string; line?: number; row?: number };
  original?: unknown;
  split?: 'train' | 'test' | null;
}

/** A record as the import parsers produce it, ready to store. */
export function fromParsed(r: {
  kind: RecordContent['kind'];
  prompt: RecordContent['prompt'];
  chosen: RecordContent['chosen'];
  rejected: RecordContent['rejected'];
  responses?: NonNullable<RecordContent['responses']>;
  system?: string;
  meta: Record<string, unknown>;
  source: { file: string; line?: number; row?: number };
  original: unknown;
}): NewRecord {
  return {
    kind: r.kind,
    prompt: r.prompt,
    chosen: r.chosen,
    rejected: r.rejected,
    responses: r.responses ?? null,
    system: r.system ?? null,
    meta: r.meta,
    source: r.source,
    original: r.original,
  };
}

const PREVIEW_CHARS = 280;
const preview = (s: string) => (s.length > PREVIEW_CHARS ? s.slice(0, PREVIEW_CHARS) + '…' : s);

export function rowContent(row: Pick<RecordRow, 'kind' | 'prompt' | 'chosen' | 'rejected' | 'responses' | 'system'>): RecordContent {
  return {
    kind: row.kind,
    prompt: JSON.parse(row.prompt) as RecordContent['prompt'],
    chosen: row.chosen === null ? null : (JSON.parse(row.chosen) as RecordContent['prompt']),
    rejected: row.rejected === null ? null : (JSON.parse(row.rejected) as RecordContent['prompt']),
    responses: row.responses === null ? null : (JSON.parse(row.responses) as NonNullable<RecordContent['responses']>),
    system: row.system,
  };
}

const INSERT_RECORD = `
      INSERT INTO records (dataset_id, import_id, kind, prompt, chosen, rejected, responses, system,
        prompt_text, chosen_text, rejected_text, prompt_chars, chosen_chars, rejected_chars,
        prompt_hash, content_hash, split, flags, meta, source_file, source_line, source_row, original, created_at, updated_at)
      VALUES (@dataset_id, @import_id, @kind, @prompt, @chosen, @rejected, @responses, @system,
        @prompt_text, @chosen_text, @rejected_text, @prompt_chars, @chosen_chars, @rejected_chars,
        @prompt_hash, @content_hash, @split, @flags, @meta, @source_file, @source_line, @source_row, @original, @now, @now)`;

/** Datasets, records, tags and edit history in the workspace database. */
export class DatasetStore extends Store {
  constructor(db: Db) {
    super(db);
  }

  private tagsOf(recordId: number): string[] {
    return this.value<[number], string>(
      'SELECT t.name FROM record_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.record_id = ? ORDER BY t.name',
    ).all(recordId);
  }

  listDatasets(): Dataset[] {
    const ids = this.value('SELECT id FROM datasets ORDER BY name').all() as number[];
    return ids.map((id) => this.getDataset(id));
  }

  /** Throws NOT_FOUND unless the dataset exists (cheap: no counting). */
  assertDataset(id: number): void {
    if (!this.sql('SELECT 1 FROM datasets WHERE id = ?').get(id)) throw new StudioError('NOT_FOUND', `There is no dataset #${id}.`, { id });
  }

  getDataset(id: number): Dataset {
    const d = this.sql<[number], { id: number; name: string; description: string; created_at: number; updated_at: number }>(
      'SELECT * FROM datasets WHERE id = ?',
    ).get(id);
    if (!d) throw new StudioError('NOT_FOUND', `There is no dataset #${id}.`, { id });
    // Counted from the (dataset_id, split) index alone.
    const counts = { train: 0, test: 0, all: 0 };
    for (const row of this.sql<[number], { split: 'train' | 'test' | null; n: number }>(
      'SELECT split, count(*) AS n FROM records WHERE dataset_id = ? GROUP BY split',
    ).all(id)) {
      counts.all += row.n;
      if (row.split) counts[row.split] = row.n;
    }
    return {
      id: d.id,
      name: d.name,
      description: d.description,
      recordCount: counts.all,
      trainCount: counts.train,
      testCount: counts.test,
      createdAt: d.created_at,
      updatedAt: d.updated_at,
    };
  }

  findDatasetByName(name: string): Dataset | undefined {
    const row = this.sql<[string], { id: number }>('SELECT id FROM datasets WHERE name = ?').get(name);
    return row ? this.getDataset(row.id) : undefined;
  }

  /** A dataset by name or numeric id, as the CLI accepts it. */
  resolveDataset(ref: string): Dataset {
    const byName = this.findDatasetByName(ref);
    if (byName) return byName;
    if (/^\d+$/.test(ref)) return this.getDataset(Number(ref));
    throw new StudioError('NOT_FOUND', `There is no dataset named "${ref}".`);
  }

  createDataset(name: string, description = ''): Dataset {
    const trimmed = name.trim();
    if (!trimmed) throw new StudioError('INVALID_ARGUMENT', 'A dataset needs a name.');
    if (this.findDatasetByName(trimmed)) throw new StudioError('CONFLICT', `A dataset named "${trimmed}" already exists.`);
    const now = Date.now();
    const info = this.sql('INSERT INTO datasets (name, description, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
      trimmed,
      description,
      now,
      now,
    );
    return this.getDataset(Number(info.lastInsertRowid));
  }

  updateDataset(id: number, patch: { name?: string; description?: string }): Dataset {
    const current = this.getDataset(id);
    const name = patch.name?.trim() ?? current.name;
    const other = this.findDatasetByName(name);
    if (other && other.id !== id) throw new StudioError('CONFLICT', `A dataset named "${name}" already exists.`);
    this.sql('UPDATE datasets SET name = ?, description = ?, updated_at = ? WHERE id = ?').run(
      name,
      patch.description ?? current.description,
      Date.now(),
      id,
    );
    return this.getDataset(id);
  }

  deleteDataset(id: number): void {
    const dataset = this.getDataset(id);
    const snapshots = this.value('SELECT count(*) FROM snapshots WHERE dataset_id = ?').get(id) as number;
    if (snapshots > 0) {
      throw new StudioError(
        'CONFLICT',
        `"${dataset.name}" has ${snapshots} frozen snapshot${snapshots === 1 ? '' : 's'}, which runs may reference; it cannot be deleted.`,
      );
    }
    this.sql('DELETE FROM datasets WHERE id = ?').run(id);
  }

  touch(datasetId: number): void {
    this.sql('UPDATE datasets SET updated_at = ? WHERE id = ?').run(Date.now(), datasetId);
  }

  /** Inserts records in one transaction; returns how many. */
  insertRecords(datasetId: number, importId: number | null, records: Iterable<NewRecord>): number {
    const now = Date.now();
    let n = 0;
    const insert = this.sql(INSERT_RECORD);
    this.transaction(() => {
      for (const r of records) {
        const content: RecordContent = {
          kind: r.kind,
          prompt: r.prompt,
          chosen: r.chosen,
          rejected: r.rejected,
          responses: r.responses ?? null,
          system: r.system ?? null,
        };
        insert.run({
          dataset_id: datasetId,
          import_id: importId,
          kind: content.kind,
          prompt: JSON.stringify(content.prompt),
          chosen: content.chosen === null ? null : JSON.stringify(content.chosen),
          rejected: content.rejected === null ? null : JSON.stringify(content.rejected),
          responses: content.responses === null ? null : JSON.stringify(content.responses),
          system: content.system,
          ...deriveColumns(content),
          split: r.split ?? null,
          flags: flagsToBits(intrinsicFlags(content)),
          meta: JSON.stringify(r.meta ?? {}),
          source_file: r.source?.file ?? null,
          source_line: r.source?.line ?? null,
          source_row: r.source?.row ?? null,
          original: r.original === undefined ? null : JSON.stringify(r.original),
          now,
        });
        n++;
      }
    });
    return n;
  }

  row(id: number): RecordRow {
    const row = this.sql<[number], RecordRow>('SELECT * FROM records WHERE id = ?').get(id);
    if (!row) throw new StudioError('NOT_FOUND', `There is no record #${id}.`, { id });
    return row;
  }

  getRecord(id: number): DatasetRecord {
    const row = this.row(id);
    const history = this.sql<[number], { version: number; changed_at: number; reason: string; before: string; after: string }>(
      'SELECT version, changed_at, reason, before, after FROM record_history WHERE record_id = ? ORDER BY version',
    )
      .all(id)
      .map((h) => ({
        version: h.version,
        changedAt: h.changed_at,
        reason: h.reason,
        before: JSON.parse(h.before) as RecordContent,
        after: JSON.parse(h.after) as RecordContent,
      }));
    return {
      ...rowContent(row),
      id: row.id,
      datasetId: row.dataset_id,
      split: row.split,
      flags: bitsToFlags(row.flags),
      tags: this.tagsOf(id),
      meta: JSON.parse(row.meta) as Record<string, unknown>,
      source: { file: row.source_file, line: row.source_line, row: row.source_row },
      original: row.original === null ? null : (JSON.parse(row.original) as unknown),
      version: row.version,
      history,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** Edits a record's content, keeping the previous version in its history. */
  updateRecord(id: number, patch: Partial<RecordContent>, reason = ''): DatasetRecord {
    this.transaction(() => {
      const row = this.row(id);
      const before = rowContent(row);
      const after: RecordContent = { ...before, ...patch };
      const overlapBit = row.flags & flagsToBits(['overlap']);
      this.sql(
        `UPDATE records SET kind = @kind, prompt = @prompt, chosen = @chosen, rejected = @rejected, responses = @responses, system = @system,
           prompt_text = @prompt_text, chosen_text = @chosen_text, rejected_text = @rejected_text,
           prompt_chars = @prompt_chars, chosen_chars = @chosen_chars, rejected_chars = @rejected_chars,
           prompt_hash = @prompt_hash, content_hash = @content_hash, flags = @flags, version = version + 1, updated_at = @now
         WHERE id = @id`,
      ).run({
        id,
        kind: after.kind,
        prompt: JSON.stringify(after.prompt),
        chosen: after.chosen === null ? null : JSON.stringify(after.chosen),
        rejected: after.rejected === null ? null : JSON.stringify(after.rejected),
        responses: after.responses === null ? null : JSON.stringify(after.responses),
        system: after.system,
        ...deriveColumns(after),
        flags: flagsToBits(intrinsicFlags(after)) | overlapBit,
        now: Date.now(),
      });
      this.sql('INSERT INTO record_history (record_id, version, changed_at, reason, before, after) VALUES (?, ?, ?, ?, ?, ?)').run(
        id,
        row.version + 1,
        Date.now(),
        reason,
        JSON.stringify(before),
        JSON.stringify(after),
      );
      this.touch(row.dataset_id);
    });
    return this.getRecord(id);
  }

  deleteRecords(ids: number[]): number {
    let n = 0;
    const del = this.sql('DELETE FROM records WHERE id = ?');
    this.transaction(() => {
      for (const id of ids) n += del.run(id).changes;
    });
    return n;
  }

  /** Adds and removes tags on records, creating tags as needed. Returns how many links changed. */
  tagRecords(ids: number[], add: string[], remove: string[]): number {
    let changed = 0;
    const ensure = this.sql('INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
    const tagId = this.sql<[string], { id: number }>('SELECT id FROM tags WHERE name = ?');
    const link = this.sql('INSERT OR IGNORE INTO record_tags (record_id, tag_id) VALUES (?, ?)');
    const unlink = this.sql('DELETE FROM record_tags WHERE record_id = ? AND tag_id = ?');
    this.transaction(() => {
      for (const name of add.map((t) => t.trim()).filter(Boolean)) {
        ensure.run(name);
        const tag = tagId.get(name)!.id;
        for (const id of ids) changed += link.run(id, tag).changes;
      }
      for (const name of remove) {
        const tag = tagId.get(name.trim());
        if (!tag) continue;
        for (const id of ids) changed += unlink.run(id, tag.id).changes;
      }
    });
    return changed;
  }

  tagCounts(datasetId: number): { name: string; count: number }[] {
    return this.sql<[number], { name: string; count: number }>(
      `SELECT t.name, count(*) AS count FROM record_tags rt JOIN tags t ON t.id = rt.tag_id JOIN records r ON r.id = rt.record_id
       WHERE r.dataset_id = ? GROUP BY t.id ORDER BY t.name`,
    ).all(datasetId);
  }

  sourceCounts(datasetId: number): { file: string; count: number }[] {
    return this.sql<[number], { file: string; count: number }>(
      `SELECT coalesce(source_file, '') AS file, count(*) AS count FROM records WHERE dataset_id = ? GROUP BY source_file ORDER BY file`,
    ).all(datasetId);
  }

  summaries(rows: RecordRow[]): RecordSummary[] {
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      prompt: preview(row.prompt_text),
      chosen: preview(row.chosen_text),
      rejected: preview(row.rejected_text),
      promptChars: row.prompt_chars,
      chosenChars: row.chosen_chars,
      rejectedChars: row.rejected_chars,
      split: row.split,
      flags: bitsToFlags(row.flags),
      tags: this.tagsOf(row.id),
      source: row.source_file,
    }));
  }

  // ---- filtered views (the SQL from filterSql in query.ts)

  /** Ids of a filtered view, in id order. */
  filteredIds(from: string, where: string, params: unknown[]): number[] {
    return this.value<unknown[], number>(`SELECT r.id FROM ${from} WHERE ${where} ORDER BY r.id`).all(...params);
  }

  /** Up to `limit` full rows of a filtered view after record `afterId`, in id order (keyset pagination). */
  filteredRowsAfter(from: string, where: string, params: unknown[], afterId: number, limit: number): RecordRow[] {
    return this.sql<unknown[], RecordRow>(`SELECT r.* FROM ${from} WHERE ${where} AND r.id > ? ORDER BY r.id LIMIT ?`).all(
      ...params,
      afterId,
      limit,
    );
  }

  /** How many rows a filtered view has (counting at most `cap` + 1 when a cap is given). */
  countFiltered(from: string, where: string, params: unknown[], cap?: number): number {
    const text =
      cap === undefined
        ? `SELECT count(*) FROM ${from} WHERE ${where}`
        : `SELECT count(*) FROM (SELECT 1 FROM ${from} WHERE ${where} LIMIT ${cap + 1})`;
    return this.value<unknown[], number>(text).get(...params)!;
  }

  /** A page of a filtered view: `seek` (a keyset condition) and `order` from query.ts's pageSql. */
  filteredPage(
    from: string,
    where: string,
    params: unknown[],
    page: { seek: string | null; seekParams: unknown[]; order: string; limit: number; offset: number },
  ): RecordRow[] {
    return this.sql<unknown[], RecordRow>(
      `SELECT r.* FROM ${from} WHERE ${where}${page.seek ? ` AND ${page.seek}` : ''} ORDER BY ${page.order} LIMIT ? OFFSET ?`,
    ).all(...params, ...page.seekParams, page.limit, page.offset);
  }

  /** Full rows by id (those that exist), in no particular order. */
  rowsByIds(ids: number[]): RecordRow[] {
    const rows: RecordRow[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      rows.push(...this.sql<number[], RecordRow>(`SELECT * FROM records WHERE id IN (${chunk.map(() => '?').join(',')})`).all(...chunk));
    }
    return rows;
  }

  // ---- splits, merges, duplicates

  /** Each record of a dataset with its prompt hash (what a split is computed from). */
  promptHashes(datasetId: number): { id: number; prompt_hash: string }[] {
    return this.sql<[number], { id: number; prompt_hash: string }>('SELECT id, prompt_hash FROM records WHERE dataset_id = ?').all(
      datasetId,
    );
  }

  setSplit(recordId: number, split: 'train' | 'test' | null): void {
    this.sql('UPDATE records SET split = ? WHERE id = ?').run(split, recordId);
  }

  /** Flags records whose prompt appears on both sides of the split; returns how many are flagged. */
  refreshOverlapFlags(datasetId: number): number {
    const bit = flagsToBits(['overlap']);
    this.sql(`UPDATE records SET flags = flags & ~? WHERE dataset_id = ? AND (flags & ?) != 0`).run(bit, datasetId, bit);
    return this.sql(
      `UPDATE records SET flags = flags | ? WHERE dataset_id = ? AND prompt_hash IN (
         SELECT prompt_hash FROM records WHERE dataset_id = ? AND split IS NOT NULL
         GROUP BY prompt_hash HAVING count(DISTINCT split) > 1)`,
    ).run(bit, datasetId, datasetId).changes;
  }

  /** Records of a dataset flagged as overlapping (their prompt is on both sides of the split). */
  overlappingCount(datasetId: number): number {
    return this.value<[number], number>('SELECT count(*) FROM records WHERE dataset_id = ? AND (flags & 4) != 0').get(datasetId)!;
  }

  /** The tags on any of these records. */
  distinctTags(recordIds: number[]): string[] {
    return this.value<number[], string>(
      `SELECT DISTINCT t.name FROM record_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.record_id IN (${recordIds.map(() => '?').join(',')})`,
    ).all(...recordIds);
  }

  /** Adds a line to a record's edit history. */
  addHistory(recordId: number, version: number, reason: string, before: RecordContent, after: RecordContent): void {
    this.sql('INSERT INTO record_history (record_id, version, changed_at, reason, before, after) VALUES (?, ?, ?, ?, ?, ?)').run(
      recordId,
      version,
      Date.now(),
      reason,
      JSON.stringify(before),
      JSON.stringify(after),
    );
  }

  /** The newest duplicate search job of a dataset, if any. */
  latestDedupeJobId(datasetId: number): number | undefined {
    return this.value<[number], number>(
      `SELECT id FROM jobs WHERE kind = 'dataset-dedupe' AND json_extract(params, '$.datasetId') = ? ORDER BY id DESC LIMIT 1`,
    ).get(datasetId);
  }
}
