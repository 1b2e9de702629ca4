/**
 * Labels that travel between machines (issue 18, item 13): a queue's events,
 * swap re-serve answers and adjudications as JSON Lines keyed by the pair's
 * content hash (the same in every workspace) and the annotator's name, and the
 * import of such a file into the same queue elsewhere.
 */
import { createReadStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { type LabelFileLine as FileLine, LabelFileLine, type LabelImportReport } from '../../../shared/labeling';
import { StudioError } from '../../../shared/result';
import type { Db } from '../db/open';
import { fileError } from '../file-errors';
import { LabelStore } from './label-store';
import { ReviewStore } from './review-store';

/** Lines written per import transaction; between batches the event loop runs (the file is read as a stream). */
const IMPORT_BATCH = 500;
/** Errors listed one by one in a report (it is kept as the import job's result); the rest are counted. */
const LISTED_ERRORS = 500;

const safeName = (s: string) => s.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '') || 'queue';

/**
 * Where a queue's labels go: `path`, or the workspace's exports folder under a
 * download name (which serve mode serves at /download/<name>).
 */
export function exportTarget(
  queueName: string,
  path: string | undefined,
  exportsDir: string,
): { path: string; downloadName: string | null } {
  if (path) return { path, downloadName: null };
  const downloadName = `${safeName(queueName)}-labels-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`;
  return { path: join(exportsDir, downloadName), downloadName };
}

/**
 * Writes every event of a queue (label, skip and undo key presses in the
 * order written, then re-serve answers, then adjudications) as JSONL to
 * `path`; returns how many lines.
 */
export function exportLabels(db: Db, args: { queueId: number; path: string }): { count: number } {
  const labels = new LabelStore(db);
  const review = new ReviewStore(db);
  const queue = labels.queueRow(args.queueId);
  const lines: string[] = [];
  for (const e of review.fileEvents(queue.id))
    lines.push(
      JSON.stringify({
        pair_hash: e.pair_hash,
        annotator: e.annotator,
        action: e.action,
        label: e.label,
        shown_left: e.shown_left,
        rationale: e.rationale,
        confidence: e.confidence,
        ms_on_screen: e.ms_on_screen,
        created_at: e.created_at,
        queue: queue.name,
      }),
    );
  for (const r of review.fileRechecks(queue.id))
    lines.push(
      JSON.stringify({
        pair_hash: r.pair_hash,
        annotator: r.annotator,
        action: 'recheck',
        label: r.label,
        shown_left: r.shown_left,
        rationale: r.rationale,
        confidence: r.confidence,
        ms_on_screen: r.ms_on_screen,
        created_at: r.created_at,
        queue: queue.name,
      }),
    );
  const hashes = new Map(labels.itemSummaries(queue.id).map((it) => [it.id, it.content_hash]));
  for (const j of review.queueAdjudications(queue.id))
    lines.push(
      JSON.stringify({
        pair_hash: hashes.get(j.item_id),
        annotator: j.annotator,
        action: 'adjudicate',
        label: j.label,
        note: j.note,
        created_at: j.created_at,
        queue: queue.name,
      }),
    );
  const target = args.path;
  // Written whole to a temporary name, then renamed: a reader never sees half a file.
  const partial = `${target}.partial`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(partial, lines.length ? `${lines.join('\n')}\n` : '');
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { force: true });
    throw fileError(err, target, 'write');
  }
  return { count: lines.length };
}

/** Why a line was refused, in words (zod's issues with the field named). */
function describe(issues: readonly { path: PropertyKey[]; message: string; code: string }[], raw: Record<string, unknown>): string {
  return issues
    .slice(0, 3)
    .map((i) => {
      const field = i.path.map(String).join('.');
      if (field === 'label' && i.code === 'invalid_value') return `label ${JSON.stringify(raw.label)} is not one of a, b, tie, both_bad`;
      if (field === 'action' && i.code === 'invalid_value')
        return `action ${JSON.stringify(raw.action)} is not one of label, skip, undo, recheck, adjudicate`;
      if (field && raw[field] === undefined) return `${field} is missing`;
      return field ? `${field}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** What the action needs of the label: a label, a recheck answer and a decision carry one; a skip and an undo none. */
function labelProblem(line: FileLine): string | null {
  if ((line.action === 'label' || line.action === 'adjudicate') && line.label === null) return `a ${line.action} line needs a label`;
  if ((line.action === 'skip' || line.action === 'undo') && line.label !== null) return `a ${line.action} line carries no label`;
  return null;
}

/**
 * Imports a labels file into a queue, streaming it: every good line is
 * written, each bad one (not JSON, an unknown pair hash, a wrong label, a
 * missing field) is reported with its line number and costs only itself.
 * Annotators are matched by name and created when new. An event already here
 * (same pair, annotator, action, label, shown side and time) is counted as a
 * duplicate, so importing the same file twice adds nothing. Lines are written
 * a batch per transaction; as the import is idempotent, a stopped one is
 * finished by importing the file again.
 */
export async function importLabels(
  db: Db,
  args: { queueId: number; path: string },
  options: { signal?: AbortSignal; onProgress?: (fraction: number, message: string) => void } = {},
): Promise<LabelImportReport> {
  const labels = new LabelStore(db);
  const review = new ReviewStore(db);
  const queue = labels.queueRow(args.queueId);
  let size: number;
  try {
    const stat = statSync(args.path);
    if (!stat.isFile()) throw new StudioError('INVALID_ARGUMENT', `${args.path} is not a regular file.`);
    size = stat.size;
  } catch (err) {
    throw fileError(err, args.path, 'read');
  }
  const report: LabelImportReport = { imported: 0, duplicates: 0, annotatorsCreated: [], errors: [], moreErrors: 0 };
  const fail = (line: number, reason: string) => {
    if (report.errors.length < LISTED_ERRORS) report.errors.push({ line, reason });
    else report.moreErrors += 1;
  };
  const annotators = new Map<string, number>();
  const annotatorId = (name: string) => {
    const key = name.toLowerCase();
    let id = annotators.get(key) ?? labels.findAnnotatorByName(name);
    if (id === undefined) {
      id = labels.insertAnnotator(name);
      report.annotatorsCreated.push(name);
    }
    annotators.set(key, id);
    return id;
  };

  const write = (batch: { n: number; text: string }[]) =>
    review.transaction(() => {
      for (const { n, text } of batch) {
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch (err) {
          fail(n, `not valid JSON (${(err as Error).message})`);
          continue;
        }
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
          fail(n, 'not a JSON object');
          continue;
        }
        const parsed = LabelFileLine.safeParse(raw);
        if (!parsed.success) {
          fail(n, describe(parsed.error.issues, raw as Record<string, unknown>));
          continue;
        }
        const line = parsed.data;
        const problem = labelProblem(line);
        if (problem) {
          fail(n, problem);
          continue;
        }
        const itemId = review.itemByHash(queue.id, line.pair_hash);
        if (itemId === undefined) {
          fail(n, `pair hash ${line.pair_hash.slice(0, 12)}… is not in queue "${queue.name}"`);
          continue;
        }
        const who = annotatorId(line.annotator);
        const at = line.created_at;
        if (line.action === 'adjudicate') {
          const event = { itemId, annotatorId: who, label: line.label!, createdAt: at };
          if (review.hasAdjudication(event)) report.duplicates += 1;
          else {
            review.insertAdjudication({ ...event, note: line.note });
            report.imported += 1;
          }
        } else if (line.action === 'recheck') {
          const event = { itemId, annotatorId: who, label: line.label, shownLeft: line.shown_left, createdAt: at };
          if (review.hasRecheck(event)) report.duplicates += 1;
          else {
            review.insertRecheck({
              item_id: itemId,
              annotator_id: who,
              label: line.label,
              shown_left: line.shown_left,
              rationale: line.rationale,
              confidence: line.confidence,
              ms_on_screen: line.ms_on_screen,
              created_at: at,
            });
            report.imported += 1;
          }
        } else {
          const event = { itemId, annotatorId: who, action: line.action, label: line.label, shownLeft: line.shown_left, createdAt: at };
          if (review.hasEvent(event)) report.duplicates += 1;
          else {
            labels.writeEvent({ ...event, rationale: line.rationale, confidence: line.confidence, msOnScreen: line.ms_on_screen });
            report.imported += 1;
          }
        }
      }
    }, 'immediate');

  const input = createReadStream(args.path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let batch: { n: number; text: string }[] = [];
  let n = 0;
  const flush = () => {
    // Cancelled: what is written stays (importing the file again skips it as duplicates).
    if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('cancelled');
    write(batch);
    batch = [];
    options.onProgress?.(
      size ? Math.min(1, input.bytesRead / size) : 1,
      `${n.toLocaleString('en')} lines read, ${report.imported.toLocaleString('en')} imported`,
    );
  };
  try {
    for await (const text of lines) {
      n += 1;
      if (!text.trim()) continue;
      batch.push({ n, text });
      if (batch.length === IMPORT_BATCH) flush();
    }
  } catch (err) {
    lines.close();
    input.destroy();
    throw fileError(err, args.path, 'read');
  }
  flush();
  return report;
}
