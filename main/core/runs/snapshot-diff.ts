/**
 * What changed between two dataset snapshots, record by record (issue 15,
 * "What changed"). Snapshot rows keep each record's content as JSON, not its
 * hash, so a diff hashes every record of both snapshots: at 100k records that
 * is a second of CPU, which runs in a `snapshot-diff` job's worker process,
 * never on the thread that serves the UI.
 */
import { z } from 'zod';
import type { RecordContent } from '../../../shared/datasets';
import { DIFF_SAMPLES, SnapshotDiff, type DiffChange, type DiffRecord } from '../../../shared/compare';
import type { Snapshot } from '../../../shared/datasets';
import { defineJobKind } from '../jobs/kind';
import type { WorkerIo } from '../jobs/protocol';
import { getSnapshot } from '../datasets/snapshots';
import { openDatabase } from '../db/open';
import { contentHash } from '../datasets/content';
import { recordPromptHash } from '../datasets/formats/prompt-hash';
import { messagesToText } from '../datasets/formats/record';
import { CompareStore, type SnapshotEntryRow } from './compare-store';

/**
 * A snapshot record with what the diff compares it by: its content hash and
 * split at once, its prompt's hash and text only when asked (only records
 * left unmatched need the one, only the samples the other).
 */
export class DiffEntry {
  readonly contentHash: string;
  private promptHashCache: string | undefined;

  constructor(
    readonly ordinal: number,
    readonly recordId: number | null,
    readonly split: 'train' | 'test' | null,
    readonly content: RecordContent,
  ) {
    this.contentHash = contentHash(content);
  }

  get promptHash(): string {
    const { prompt, system } = this.content;
    return (this.promptHashCache ??= recordPromptHash({ prompt, ...(system ? { system } : {}) }));
  }

  get record(): DiffRecord {
    const text = (this.content.system ? `${this.content.system}\n\n` : '') + messagesToText(this.content.prompt);
    return { ordinal: this.ordinal, recordId: this.recordId, contentHash: this.contentHash, split: this.split, prompt: text.slice(0, 200) };
  }
}

const CONTENT_FIELDS = ['kind', 'system', 'prompt', 'chosen', 'rejected', 'responses'] as const;

export function diffEntry(row: SnapshotEntryRow): DiffEntry {
  const stored = JSON.parse(row.content) as RecordContent;
  return new DiffEntry(row.ordinal, row.record_id, row.split, {
    kind: stored.kind,
    prompt: stored.prompt,
    chosen: stored.chosen ?? null,
    rejected: stored.rejected ?? null,
    responses: stored.responses ?? null,
    system: stored.system ?? null,
  });
}

const identity = (e: DiffEntry) => `${e.contentHash}:${e.split ?? '-'}`;

function changedFields(a: DiffEntry, b: DiffEntry): string[] {
  const fields: string[] = CONTENT_FIELDS.filter((f) => JSON.stringify(a.content[f]) !== JSON.stringify(b.content[f]));
  if (a.split !== b.split) fields.push('split');
  return fields;
}

/** The records of `xs` left over once each is matched with an equal one of `ys` (with multiplicity, in order). */
function unmatched(xs: readonly DiffEntry[], ys: readonly DiffEntry[]): DiffEntry[] {
  const available = new Map<string, number>();
  for (const e of ys) available.set(identity(e), (available.get(identity(e)) ?? 0) + 1);
  return xs.filter((e) => {
    const left = available.get(identity(e)) ?? 0;
    if (left > 0) available.set(identity(e), left - 1);
    return left === 0;
  });
}

/**
 * The diff of two snapshots' records (each in snapshot order). Equal content
 * hash and split = the same record, counted with multiplicity. Of the rest,
 * records frozen from the same dataset record are paired first, then records
 * with the same prompt (in order): a pair is one record changed. The others
 * were removed (only in `a`) or added (only in `b`).
 */
export function diffSnapshots(a: readonly DiffEntry[], b: readonly DiffEntry[]): SnapshotDiffCounts {
  const onlyA = unmatched(a, b);
  const onlyB = unmatched(b, a);

  const pairs: [DiffEntry, DiffEntry][] = [];
  const pairedA = new Set<DiffEntry>();
  const pairedB = new Set<DiffEntry>();
  const byRecord = new Map<number, DiffEntry>();
  for (const e of onlyA) if (e.recordId !== null && !byRecord.has(e.recordId)) byRecord.set(e.recordId, e);
  for (const e of onlyB) {
    const match = e.recordId === null ? undefined : byRecord.get(e.recordId);
    if (match && !pairedA.has(match)) {
      pairs.push([match, e]);
      pairedA.add(match);
      pairedB.add(e);
    }
  }
  const byPrompt = new Map<string, DiffEntry[]>();
  for (const e of onlyA) if (!pairedA.has(e)) (byPrompt.get(e.promptHash) ?? byPrompt.set(e.promptHash, []).get(e.promptHash)!).push(e);
  for (const e of onlyB) {
    if (pairedB.has(e)) continue;
    const match = byPrompt.get(e.promptHash)?.shift();
    if (match) {
      pairs.push([match, e]);
      pairedA.add(match);
      pairedB.add(e);
    }
  }
  pairs.sort((x, y) => x[0].ordinal - y[0].ordinal);
  const removed = onlyA.filter((e) => !pairedA.has(e));
  const added = onlyB.filter((e) => !pairedB.has(e));
  const changed: DiffChange[] = pairs.slice(0, DIFF_SAMPLES).map(([x, y]) => ({ a: x.record, b: y.record, fields: changedFields(x, y) }));
  return {
    unchanged: b.length - onlyB.length,
    added: added.length,
    removed: removed.length,
    changed: pairs.length,
    samples: {
      added: added.slice(0, DIFF_SAMPLES).map((e) => e.record),
      removed: removed.slice(0, DIFF_SAMPLES).map((e) => e.record),
      changed,
    },
  };
}

export const SnapshotDiffPayload = z.object({
  dbPath: z.string().min(1),
  nativeBinding: z.string().optional(),
  a: z.number().int().positive(),
  b: z.number().int().positive(),
  /** Record counts, for progress. */
  total: z.number().int().nonnegative(),
});
export type SnapshotDiffPayload = z.infer<typeof SnapshotDiffPayload>;

/** The diff as the worker returns it; the job adds the two snapshots' names and hashes. */
export const SnapshotDiffCounts = SnapshotDiff.omit({ a: true, b: true, identical: true });
export type SnapshotDiffCounts = z.infer<typeof SnapshotDiffCounts>;

const PAGE = 2000;

/** Reads and hashes both snapshots (progress per page, cancel between pages), then diffs them. */
export async function snapshotDiffTask(payload: SnapshotDiffPayload, io: WorkerIo): Promise<SnapshotDiffCounts> {
  const db = openDatabase(payload.dbPath, { readonly: true, ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}) });
  try {
    const store = new CompareStore(db);
    let read = 0;
    const entries = async (snapshotId: number) => {
      const out: DiffEntry[] = [];
      for (let from = 0; ; from += PAGE) {
        if (io.signal.aborted) throw io.signal.reason instanceof Error ? io.signal.reason : new Error('cancelled');
        const rows = store.snapshotEntries(snapshotId, from, PAGE);
        for (const row of rows) out.push(diffEntry(row));
        read += rows.length;
        io.progress(payload.total ? (0.95 * read) / payload.total : 0.5, `hashed ${read.toLocaleString('en')} records`);
        if (rows.length < PAGE) return out;
        // Lets the worker's message loop see a cancel.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    const a = await entries(payload.a);
    const b = await entries(payload.b);
    return diffSnapshots(a, b);
  } finally {
    db.close();
  }
}

export const SnapshotDiffParams = z.object({ a: z.number().int().positive(), b: z.number().int().positive() });
export type SnapshotDiffParams = z.infer<typeof SnapshotDiffParams>;

export const snapshotSide = (s: Snapshot) => ({ id: s.id, name: s.name, contentHash: s.contentHash, records: s.recordCount });

/** Reads both snapshots in a worker process: hashing 2 × 100k records would hold the UI's thread for a second. */
export const snapshotDiffJob = defineJobKind({
  kind: 'snapshot-diff',
  lane: 'light',
  params: SnapshotDiffParams,
  result: SnapshotDiff,
  title: (p) => `Compare snapshots #${p.a} and #${p.b}`,
  worker: { payload: SnapshotDiffPayload, result: SnapshotDiffCounts, load: () => Promise.resolve(snapshotDiffTask) },
  async run(ctx) {
    const { db } = ctx.services.datasets;
    const a = getSnapshot(db, ctx.params.a);
    const b = getSnapshot(db, ctx.params.b);
    const counts = await ctx.runWorker({
      dbPath: ctx.services.dbPath,
      ...(ctx.services.nativeBinding ? { nativeBinding: ctx.services.nativeBinding } : {}),
      a: a.id,
      b: b.id,
      total: a.recordCount + b.recordCount,
    });
    return { a: snapshotSide(a), b: snapshotSide(b), identical: a.contentHash === b.contentHash, ...counts };
  },
});
