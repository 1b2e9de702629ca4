import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LabelQueue, LabelStats } from '../../shared/labeling';
import { StudioError } from '../../shared/result';
import { call, type StudioDoor } from '../core/client';
import { CliError, type Command, type CommandContext } from './commands';
import { resolveDataset } from './datasets';
import { keyValues, table } from './output';
import { createInvite, INVITE_OPTIONS, INVITE_USAGE, listInvites, revokeInvite } from './label-invites';
import { isReviewSubcommand, REVIEW_OPTIONS, REVIEW_USAGE, runReview } from './label-review';

const USAGE = [
  'studio label queues [--workspace DIR] [--json]',
  'studio label create --dataset NAME|--snapshot ID --name Q [--kind pairs|prompts|relabel|arena] [--records ID,ID,…] [--overlap K] [--order stored|random] [--seed S] [--guidelines FILE] [--recheck-share F] [--workspace DIR] [--json]',
  'studio label stats QUEUE [--workspace DIR] [--json]',
  ...INVITE_USAGE,
  ...REVIEW_USAGE,
].join('\n       ');

/** A queue by name, else by numeric id. */
export async function resolveQueue(studio: StudioDoor, ref: string): Promise<LabelQueue> {
  const queues = await call(studio, 'labeling.queues', {});
  const found =
    queues.find((q) => q.name.toLowerCase() === ref.toLowerCase()) ??
    (/^\d+$/.test(ref) ? queues.find((q) => q.id === Number(ref)) : undefined);
  if (!found) throw new StudioError('NOT_FOUND', `There is no label queue named "${ref}".`);
  return found;
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null, digits = 3) => (x === null ? '—' : x.toFixed(digits));

function intOption(ctx: CommandContext, name: string, min: number, max: number): number | undefined {
  const raw = ctx.values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new CliError(`--${name} must be a whole number from ${min} to ${max}.`);
  return value;
}

async function createQueue(ctx: CommandContext, studio: StudioDoor): Promise<LabelQueue> {
  const name = ctx.values.name;
  if (typeof name !== 'string' || !name.trim()) throw new CliError('name the queue: --name Q');
  const dataset = ctx.values.dataset;
  const snapshot = ctx.values.snapshot;
  if ((dataset === undefined) === (snapshot === undefined))
    throw new CliError('make the queue from one source: --dataset NAME or --snapshot ID');
  const kind = String(ctx.values.kind ?? 'pairs');
  if (!['pairs', 'prompts', 'relabel', 'arena'].includes(kind)) throw new CliError('--kind must be pairs, prompts, relabel or arena.');
  const order = String(ctx.values.order ?? 'stored');
  if (order !== 'stored' && order !== 'random') throw new CliError('--order must be stored or random.');
  let guidelines: string | undefined;
  if (typeof ctx.values.guidelines === 'string') {
    const path = resolve(ctx.values.guidelines);
    try {
      guidelines = readFileSync(path, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read the guidelines file ${path}: ${(err as Error).message}`);
    }
  }
  let source: { datasetId: number } | { snapshotId: number };
  if (typeof dataset === 'string') source = { datasetId: (await resolveDataset(studio, dataset)).id };
  else {
    const id = Number(snapshot);
    if (!Number.isInteger(id) || id < 1) throw new CliError('--snapshot takes a snapshot id (see studio datasets or the Datasets page).');
    source = { snapshotId: id };
  }
  const overlap = intOption(ctx, 'overlap', 1, 50);
  const recheckRaw = ctx.values['recheck-share'];
  const recheckShare = recheckRaw === undefined ? undefined : Number(recheckRaw);
  if (recheckShare !== undefined && !(recheckShare >= 0 && recheckShare <= 1))
    throw new CliError('--recheck-share must be a number from 0 to 1.');
  const seed = intOption(ctx, 'seed', -2_147_483_648, 2_147_483_647);
  const records = typeof ctx.values.records === 'string' ? ctx.values.records.split(',').map((x) => Number(x.trim())) : undefined;
  if (records && !records.every((id) => Number.isInteger(id) && id > 0))
    throw new CliError('--records takes record ids separated by commas (e.g. --records 12,40,41).');
  return call(studio, 'labeling.createQueue', {
    name,
    kind: kind as LabelQueue['kind'],
    ...source,
    order,
    ...(overlap !== undefined ? { overlap } : {}),
    ...(recheckShare !== undefined ? { recheckShare } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(guidelines !== undefined ? { guidelines } : {}),
    ...(records ? { recordIds: records } : {}),
  });
}

function printStats(ctx: CommandContext, stats: LabelStats): void {
  const { queue, progress, agreement } = stats;
  ctx.io.out(
    keyValues([
      ['queue', `#${queue.id} "${queue.name}" (${queue.kind}, order ${queue.order}, overlap ${queue.overlap})`],
      [
        'progress',
        `${progress.done} / ${progress.total} pairs done (${pct(progress.total ? progress.done / progress.total : null)}), ${progress.labels} labels`,
      ],
      [
        'α (nominal)',
        agreement.alpha === null
          ? `— (${agreement.alphaReason ?? 'undefined'})`
          : `${num(agreement.alpha)} over ${agreement.alphaUnits} pairs`,
      ],
      [
        'conflicts',
        // stats.conflicts lists the first ones only; the counts cover the whole queue.
        stats.conflictCounts
          ? `${stats.conflictCounts.open + stats.conflictCounts.adjudicated} (${stats.decisiveConflicts ?? 0} with a against b): ${stats.conflictCounts.open} open, ${stats.conflictCounts.adjudicated} adjudicated`
          : `${stats.conflicts.length} (${stats.conflicts.filter((c) => c.decisive).length} with a against b)`,
      ],
    ]),
  );
  if (stats.annotators.length) {
    ctx.io.out('');
    ctx.io.out(
      table(
        ['annotator', 'labeled', 'skipped', 'labels/h', 'left share (95% CI)', 'bias', 'swap consistency'],
        stats.annotators.map((a) => [
          a.name,
          String(a.labeled),
          String(a.skipped),
          a.labelsPerHour === null ? '—' : a.labelsPerHour.toFixed(0),
          a.positionBias.share === null
            ? '—'
            : `${pct(a.positionBias.share)} [${pct(a.positionBias.low)}, ${pct(a.positionBias.high)}] n=${a.positionBias.n}`,
          a.positionBias.flagged ? 'FLAGGED' : '',
          a.swapConsistency?.n ? `${pct(a.swapConsistency.share)} n=${a.swapConsistency.n}` : '—',
        ]),
      ),
    );
  }
  if (agreement.pairs.length) {
    ctx.io.out('');
    ctx.io.out(
      table(
        ['annotators', 'shared', 'agreement', 'κ', 'note'],
        agreement.pairs.map((p) => [`${p.first} · ${p.second}`, String(p.n), pct(p.percent), num(p.kappa), p.reason ?? '']),
      ),
    );
  }
}

export const labelCommand: Command = {
  name: 'label',
  usage: USAGE,
  summary:
    'Label queues: list them, make one from a dataset or snapshot, and show progress, agreement (κ, α), position bias and swap consistency; invite annotators to label in serve mode; export, import and adjudicate labels; build a dataset from them.',
  options: {
    dataset: { type: 'string' },
    snapshot: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string' },
    overlap: { type: 'string' },
    order: { type: 'string' },
    seed: { type: 'string' },
    guidelines: { type: 'string' },
    'recheck-share': { type: 'string' },
    records: { type: 'string' },
    ...INVITE_OPTIONS,
    ...REVIEW_OPTIONS,
  },
  async run(ctx) {
    const [sub, ref] = ctx.positionals;
    if (sub === 'invite' || sub === 'invites' || sub === 'revoke') {
      if (sub === 'invite' && !ref) throw new CliError('name the queue: studio label invite QUEUE --annotator NAME');
      const studio = ctx.openStudio(false);
      try {
        if (sub === 'invite') {
          const queues = [];
          for (const q of ctx.positionals.slice(1)) queues.push(await resolveQueue(studio, q));
          await createInvite(ctx, studio, queues);
        } else if (sub === 'invites') await listInvites(ctx, studio);
        else await revokeInvite(ctx, studio, ref);
        return 0;
      } finally {
        await studio.close();
      }
    }
    if (isReviewSubcommand(sub)) {
      if (!ref) throw new CliError(`name the queue: studio label ${sub} QUEUE`);
      const studio = ctx.openStudio(false);
      try {
        return await runReview(ctx, studio, sub, await resolveQueue(studio, ref));
      } finally {
        await studio.close();
      }
    }
    if (sub !== 'queues' && sub !== 'create' && sub !== 'stats') throw new CliError(`usage: ${USAGE}`);
    if (sub === 'stats' && !ref) throw new CliError('name the queue: studio label stats QUEUE');
    const studio = ctx.openStudio(false);
    try {
      if (sub === 'queues') {
        const queues = await call(studio, 'labeling.queues', {});
        if (ctx.json) ctx.io.out(JSON.stringify(queues));
        else if (queues.length === 0) ctx.io.out('No label queues yet. Make one with: studio label create --dataset NAME --name Q');
        else
          ctx.io.out(
            table(
              ['id', 'name', 'kind', 'order', 'overlap', 'done', 'total'],
              queues.map((q) => [String(q.id), q.name, q.kind, q.order, String(q.overlap), String(q.done), String(q.total)]),
            ),
          );
      } else if (sub === 'create') {
        const queue = await createQueue(ctx, studio);
        if (ctx.json) ctx.io.out(JSON.stringify(queue));
        else {
          if (queue.prompts)
            ctx.io.out(
              `queue #${queue.id} "${queue.name}": ${queue.prompts.total} prompts waiting for candidates (studio generate-candidates ${queue.id} --model …)`,
            );
          else
            ctx.io.out(
              `queue #${queue.id} "${queue.name}": ${queue.total} pairs to label (order ${queue.order}, overlap ${queue.overlap})`,
            );
          for (const note of queue.notes) ctx.io.out(`note: ${note}`);
        }
      } else {
        const queue = await resolveQueue(studio, ref!);
        const stats = await call(studio, 'labeling.stats', { queueId: queue.id });
        if (ctx.json) ctx.io.out(JSON.stringify(stats));
        else printStats(ctx, stats);
      }
      return 0;
    } finally {
      await studio.close();
    }
  },
};
