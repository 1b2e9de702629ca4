import { resolve } from 'node:path';
import type { LabelQueue, PairLabel } from '../../shared/labeling';
import { call, type StudioDoor } from '../core/client';
import { CliError, type CommandContext, EXIT } from './commands';
import { keyValues, table } from './output';

export const REVIEW_USAGE = [
  'studio label export QUEUE [--out FILE] [--workspace DIR] [--json]',
  'studio label import QUEUE FILE [--workspace DIR] [--json]',
  'studio label build QUEUE --dataset NAME [--include-ties] [--include-both-bad] [--min-votes N] [--split-test F] [--workspace DIR] [--json]',
  'studio label conflicts QUEUE [--all] [--workspace DIR] [--json]',
  'studio label adjudicate QUEUE --pair ID|HASH --label a|b|tie|both_bad --annotator NAME [--note TEXT] [--workspace DIR] [--json]',
];

export const REVIEW_SUBCOMMANDS = ['export', 'import', 'build', 'conflicts', 'adjudicate'] as const;
export type ReviewSubcommand = (typeof REVIEW_SUBCOMMANDS)[number];
export const isReviewSubcommand = (sub: string | undefined): sub is ReviewSubcommand =>
  (REVIEW_SUBCOMMANDS as readonly string[]).includes(sub ?? '');

export const REVIEW_OPTIONS = {
  out: { type: 'string' },
  'include-ties': { type: 'boolean' },
  'include-both-bad': { type: 'boolean' },
  'min-votes': { type: 'string' },
  'split-test': { type: 'string' },
  all: { type: 'boolean' },
  pair: { type: 'string' },
  label: { type: 'string' },
  annotator: { type: 'string' },
  note: { type: 'string' },
} as const;

const LABELS: readonly PairLabel[] = ['a', 'b', 'tie', 'both_bad'];

/** `studio label export|import|build|conflicts|adjudicate` on a resolved queue; returns the exit code. */
export async function runReview(ctx: CommandContext, studio: StudioDoor, sub: ReviewSubcommand, queue: LabelQueue): Promise<number> {
  const print = (value: unknown, text: () => void) => (ctx.json ? ctx.io.out(JSON.stringify(value)) : text());
  if (sub === 'export') {
    const out = typeof ctx.values.out === 'string' ? resolve(ctx.values.out) : undefined;
    const result = await call(studio, 'labeling.exportLabels', { queueId: queue.id, ...(out ? { path: out } : {}) });
    print(result, () => ctx.io.out(`wrote ${result.count} label lines of queue "${queue.name}" to ${result.path}`));
    return EXIT.ok;
  }
  if (sub === 'import') {
    const file = ctx.positionals[2];
    if (!file) throw new CliError('name the labels file: studio label import QUEUE FILE');
    const report = await call(studio, 'labeling.importLabels', { queueId: queue.id, path: resolve(file) });
    print(report, () => {
      ctx.io.out(
        keyValues([
          ['imported', String(report.imported)],
          ['duplicates', `${report.duplicates} (already in this queue)`],
          ['new annotators', report.annotatorsCreated.length ? report.annotatorsCreated.join(', ') : '—'],
          ['rejected lines', String(report.errors.length + report.moreErrors)],
        ]),
      );
      for (const e of report.errors) ctx.io.out(`line ${e.line}: ${e.reason}`);
      if (report.moreErrors) ctx.io.out(`… and ${report.moreErrors} more rejected lines`);
    });
    // As `studio import`: the file was read even if some lines were bad; 2 when not one line was usable.
    const usable = report.imported + report.duplicates;
    return usable === 0 && report.errors.length > 0 ? EXIT.nothingImported : EXIT.ok;
  }
  if (sub === 'build') {
    const name = ctx.values.dataset;
    if (typeof name !== 'string' || !name.trim()) throw new CliError('name the new dataset: --dataset NAME');
    const minVotes = numberOption(ctx, 'min-votes', 1, 50, true);
    const testFraction = numberOption(ctx, 'split-test', 0, 0.9, false);
    const result = await call(studio, 'labeling.build', {
      queueId: queue.id,
      datasetName: name,
      includeTies: ctx.values['include-ties'] === true,
      includeBothBad: ctx.values['include-both-bad'] === true,
      ...(minVotes !== undefined ? { minVotes } : {}),
      ...(testFraction !== undefined ? { testFraction } : {}),
    });
    print(result, () => {
      const x = result.excluded;
      ctx.io.out(
        `dataset #${result.dataset.id} "${result.dataset.name}": ${result.records} records (${result.dataset.trainCount} train / ${result.dataset.testCount} test), snapshot #${result.snapshot.id} "${result.snapshot.name}" — ready to train on`,
      );
      ctx.io.out(`left out: ${x.conflicts} unresolved conflicts, ${x.unlabeled} unlabeled, ${x.ties} ties, ${x.bothBad} both bad`);
    });
    return EXIT.ok;
  }
  if (sub === 'conflicts') {
    const status = ctx.values.all === true ? 'all' : 'open';
    const page = await call(studio, 'labeling.conflicts', { queueId: queue.id, status, limit: 1000 });
    print(page, () => {
      if (page.total === 0) ctx.io.out(status === 'open' ? 'No open conflicts.' : 'No conflicts.');
      else
        ctx.io.out(
          table(
            ['pair', 'position', 'hash', 'labels', 'decision'],
            page.conflicts.map((c) => [
              `#${c.itemId}`,
              String(c.position),
              c.contentHash.slice(0, 12),
              c.labels.map((l) => `${l.annotator}: ${l.label}`).join(', '),
              c.adjudication ? `${c.adjudication.label} (${c.adjudication.annotator})` : 'open',
            ]),
          ),
        );
      if (page.total > page.conflicts.length) ctx.io.out(`… ${page.total - page.conflicts.length} more`);
    });
    return EXIT.ok;
  }
  // adjudicate
  const pair = ctx.values.pair;
  const label = ctx.values.label;
  const who = ctx.values.annotator;
  if (typeof pair !== 'string' || !pair) throw new CliError('name the pair: --pair ID (from studio label conflicts) or its content hash');
  if (typeof label !== 'string' || !LABELS.includes(label as PairLabel)) throw new CliError('--label must be a, b, tie or both_bad.');
  if (typeof who !== 'string' || !who.trim()) throw new CliError('name who decides: --annotator NAME');
  const adjudicator = (await call(studio, 'labeling.annotators', {})).find((a) => a.name.toLowerCase() === who.trim().toLowerCase());
  if (!adjudicator) throw new CliError(`There is no annotator named "${who}".`, 'NOT_FOUND');
  const itemId = /^\d+$/.test(pair) ? Number(pair) : await itemByHash(studio, queue.id, pair);
  const decision = await call(studio, 'labeling.adjudicate', {
    queueId: queue.id,
    itemId,
    annotatorId: adjudicator.id,
    label: label as PairLabel,
    ...(typeof ctx.values.note === 'string' ? { note: ctx.values.note } : {}),
  });
  print(decision, () => ctx.io.out(`pair #${decision.itemId} decided ${decision.label} by ${decision.annotator}`));
  return EXIT.ok;
}

/** A conflict's pair by (a prefix of) its content hash. */
async function itemByHash(studio: StudioDoor, queueId: number, prefix: string): Promise<number> {
  const page = await call(studio, 'labeling.conflicts', { queueId, status: 'all', limit: 1000 });
  const found = page.conflicts.filter((c) => c.contentHash.startsWith(prefix.toLowerCase()));
  if (found.length !== 1)
    throw new CliError(
      found.length
        ? `${found.length} conflicts start with ${prefix}; give more of the hash.`
        : `No conflict's pair hash starts with ${prefix}.`,
      'NOT_FOUND',
    );
  return found[0]!.itemId;
}

function numberOption(ctx: CommandContext, name: string, min: number, max: number, integer: boolean): number | undefined {
  const raw = ctx.values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max)
    throw new CliError(`--${name} must be a${integer ? ' whole' : ''} number from ${min} to ${max}.`);
  return value;
}
