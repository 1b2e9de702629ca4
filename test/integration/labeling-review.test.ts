import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, jobSettled } from '../../main/core/client';
import { createStudio, type Studio } from '../../main/core/studio';
import { RECHECK_GAP } from '../../main/core/labeling/review';
import { buildDatasetFromLabels } from '../../main/core/labeling/build-dataset';
import { openStores } from '../helpers/workspace';
import { main } from '../../main/cli/index';
import type { Message } from '../../shared/datasets';
import type { LabelImportReport, LabelItem, LabelStats, PairLabel, ScreenChoice } from '../../shared/labeling';
import { callApi, rawRequest, REPO_ROOT, startServe, STUDIO_BIN, type ServeHandle } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';

const studios: Studio[] = [];
const servers: ServeHandle[] = [];
let cleanup = () => {};
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const s of studios.splice(0)) await s.close();
  cleanup();
});

/** A fresh demo workspace in its own folder (the demo dataset's pairs hash the same in every workspace). */
async function openDemo(dir: string): Promise<Studio> {
  const s = createStudio({ workspaceDir: dir, superviseJobs: false });
  studios.push(s);
  await s.seedDemo();
  return s;
}

function workspaces(n: number): string[] {
  const t = tempDir();
  cleanup = t.cleanup;
  return Array.from({ length: n }, (_, i) => join(t.dir, `ws${i}`));
}

/** Runs `studio` as a real process on a workspace. */
function cli(ws: string, ...args: string[]) {
  const res = spawnSync(process.execPath, [STUDIO_BIN, ...args, '--workspace', ws], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, STUDIO_NO_DEMO: '' },
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

const same = (x: Message[], y: Message[]) => JSON.stringify(x) === JSON.stringify(y);

/** The key that gives pair label `label` (a = the demo record's chosen) for the pair as shown. */
async function keyFor(s: Studio, item: LabelItem, label: PairLabel): Promise<ScreenChoice> {
  if (label === 'tie' || label === 'both_bad') return label;
  const record = await call(s, 'records.get', { id: item.recordId! });
  const leftIsA = same(item.left, record.chosen!);
  return (label === 'a') === leftIsA ? 'left' : 'right';
}

/** Labels the annotator's next pairs with these pair labels, in the queue's order; returns the item ids. */
async function labelPairs(s: Studio, queueId: number, annotatorId: number, labels: PairLabel[]): Promise<number[]> {
  const ids: number[] = [];
  let item = await call(s, 'labeling.next', { queueId, annotatorId });
  for (const label of labels) {
    expect(item?.recheck).toBe(false);
    ids.push(item!.id);
    item = (
      await call(s, 'labeling.record', {
        queueId,
        annotatorId,
        action: 'label',
        itemId: item!.id,
        choice: await keyFor(s, item!, label),
        msOnScreen: 1000,
      })
    ).next;
  }
  return ids;
}

async function demoQueue(s: Studio, name: string, extra: { overlap?: number; recheckShare?: number } = {}) {
  const demo = (await call(s, 'datasets.list', {}))[0]!;
  return call(s, 'labeling.createQueue', { name, datasetId: demo.id, recheckShare: 0, ...extra });
}

describe('reviewing labels', () => {
  it('a draft rationale is kept as it is typed, comes back with the pair, and goes into the label that follows', async () => {
    const [ws] = workspaces(1);
    const s = await openDemo(ws!);
    const queue = await demoQueue(s, 'drafts');
    const ann = await call(s, 'labeling.createAnnotator', { name: 'dana' });
    const item = (await call(s, 'labeling.next', { queueId: queue.id, annotatorId: ann.id }))!;
    expect(item.draft).toBeNull();
    await call(s, 'labeling.saveDraft', { queueId: queue.id, annotatorId: ann.id, itemId: item.id, rationale: 'the left one ign' });
    await call(s, 'labeling.saveDraft', {
      queueId: queue.id,
      annotatorId: ann.id,
      itemId: item.id,
      rationale: 'the left one ignores the rule',
    });
    const again = (await call(s, 'labeling.next', { queueId: queue.id, annotatorId: ann.id }))!;
    expect(again).toMatchObject({ id: item.id, draft: 'the left one ignores the rule' });
    // A draft is not a label: nothing is recorded yet.
    expect((await call(s, 'labeling.stats', { queueId: queue.id })).progress.labels).toBe(0);
    const { event } = await call(s, 'labeling.record', {
      queueId: queue.id,
      annotatorId: ann.id,
      action: 'label',
      itemId: item.id,
      choice: 'right',
    });
    expect(event.rationale).toBe('the left one ignores the rule');
    // The draft went with the label: after an undo the pair comes back without it.
    const reopened = (await call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'undo' })).next!;
    expect(reopened).toMatchObject({ id: item.id, reopened: true, draft: null });
    await expect(
      call(s, 'labeling.saveDraft', { queueId: queue.id, annotatorId: ann.id, itemId: 999_999, rationale: 'x' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('two annotators disagree (overlap 2) → conflict queue → adjudication becomes the label, κ in stats (CLI), dataset built from it trains', async () => {
    const [ws] = workspaces(1);
    const s = await openDemo(ws!);
    const queue = await demoQueue(s, 'review', { overlap: 2 });
    const alice = await call(s, 'labeling.createAnnotator', { name: 'alice' });
    const bob = await call(s, 'labeling.createAnnotator', { name: 'bob' });
    const judge = await call(s, 'labeling.createAnnotator', { name: 'judge' });
    // Pairs 0–7: agree a a a b on 0–3; 4: a/b; 5: b/a; 6: tie/tie; 7: both_bad/a.
    const ids = await labelPairs(s, queue.id, alice.id, ['a', 'a', 'a', 'b', 'a', 'b', 'tie', 'both_bad']);
    await labelPairs(s, queue.id, bob.id, ['a', 'a', 'a', 'b', 'b', 'a', 'tie', 'a']);

    const open = await call(s, 'labeling.conflicts', { queueId: queue.id });
    expect(open.total).toBe(3);
    expect(open.conflicts.map((c) => [c.itemId, c.decisive])).toEqual([
      [ids[4], true],
      [ids[5], true],
      [ids[7], false],
    ]);
    expect(open.conflicts[0]!.labels).toEqual([
      { annotatorId: alice.id, annotator: 'alice', label: 'a', rationale: null, confidence: null },
      { annotatorId: bob.id, annotator: 'bob', label: 'b', rationale: null, confidence: null },
    ]);
    expect(open.conflicts[0]!.a.length).toBeGreaterThan(0);
    expect(open.conflicts[0]!.adjudication).toBeNull();

    // The judge decides pair 4 for b, changes their mind to a (the later decision stands), and pair 5 for b.
    await call(s, 'labeling.adjudicate', { queueId: queue.id, itemId: ids[4]!, annotatorId: judge.id, label: 'b' });
    const final = await call(s, 'labeling.adjudicate', {
      queueId: queue.id,
      itemId: ids[4]!,
      annotatorId: judge.id,
      label: 'a',
      note: 'the rule is followed on the left',
    });
    expect(final).toMatchObject({ itemId: ids[4], label: 'a', annotator: 'judge', note: 'the rule is followed on the left' });
    await call(s, 'labeling.adjudicate', { queueId: queue.id, itemId: ids[5]!, annotatorId: judge.id, label: 'b' });
    expect((await call(s, 'labeling.conflicts', { queueId: queue.id })).conflicts.map((c) => c.itemId)).toEqual([ids[7]]);
    const decided = await call(s, 'labeling.conflicts', { queueId: queue.id, status: 'adjudicated' });
    expect(decided.conflicts.map((c) => [c.itemId, c.adjudication?.label])).toEqual([
      [ids[4], 'a'],
      [ids[5], 'b'],
    ]);
    // Both annotators' labels are kept as they were.
    expect(decided.conflicts[0]!.labels.map((l) => l.label)).toEqual(['a', 'b']);
    await expect(
      call(s, 'labeling.adjudicate', { queueId: queue.id, itemId: 999_999, annotatorId: judge.id, label: 'a' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    // κ: 5 of 8 agree (p_o = .625); alice a4 b2 tie1 bb1, bob a5 b2 tie1 → p_e = .5·.625 + .25·.25 + .125·.125 = 0.390625.
    await s.close();
    studios.splice(0);
    const stats = cli(ws!, 'label', 'stats', 'review', '--json');
    expect(stats.code, stats.err).toBe(0);
    const parsed = JSON.parse(stats.out) as LabelStats;
    expect(parsed.agreement.pairs[0]!.kappa).toBeCloseTo((0.625 - 0.390625) / (1 - 0.390625), 10);
    expect(parsed.conflictCounts).toEqual({ open: 1, adjudicated: 2 });
    const text = cli(ws!, 'label', 'stats', 'review');
    expect(text.out).toMatch(/alice · bob +8 +62\.5% +0\.385/);
    expect(text.out).toMatch(/conflicts +3 \(2 with a against b\): 1 open, 2 adjudicated/);
    expect(text.out).toMatch(/swap consistency/);

    // Build: agreed a,a,a,b + adjudicated a (pair 4) and b (pair 5); tie (6) and the open conflict (7) are left out.
    const built = cli(ws!, 'label', 'build', 'review', '--dataset', 'from review', '--json');
    expect(built.code, built.err).toBe(0);
    const result = JSON.parse(built.out) as {
      dataset: { id: number; recordCount: number };
      snapshot: { id: number; recordCount: number };
      records: number;
      excluded: unknown;
    };
    expect(result.records).toBe(6);
    expect(result.excluded).toEqual({ ties: 1, bothBad: 0, unlabeled: 1000 - 8, conflicts: 1 });
    expect(result.snapshot.recordCount).toBe(6);
    expect(cli(ws!, 'label', 'build', 'review', '--dataset', 'from review').code).toBe(1);

    const s2 = await openDemo(ws!);
    const records = await call(s2, 'records.query', { datasetId: result.dataset.id, limit: 100 });
    expect(records.total).toBe(6);
    const full = await Promise.all(records.rows.map((r) => call(s2, 'records.get', { id: r.id })));
    const demo = (await call(s2, 'datasets.list', {})).find((d) => d.name === 'Demo: rule following')!;
    const expected: PairLabel[] = ['a', 'a', 'a', 'b', 'a', 'b'];
    for (const [i, label] of expected.entries()) {
      const rec = full[i]!;
      const meta = rec.meta as { labels: Record<string, unknown> };
      const source = await call(s2, 'records.get', { id: meta.labels.source_record_id as number });
      expect(source.datasetId).toBe(demo.id);
      // a = the demo record's chosen: a decided `b` swaps chosen and rejected.
      expect(rec.chosen).toEqual(label === 'a' ? source.chosen : source.rejected);
      expect(rec.rejected).toEqual(label === 'a' ? source.rejected : source.chosen);
      expect(meta.labels).toMatchObject({ queue: { id: queue.id, name: 'review' }, label, item_id: ids[i] });
      expect(meta.labels.pair_hash).toMatch(/^[0-9a-f]{64}$/);
    }
    const adjudicatedMeta = (full[4]!.meta as { labels: Record<string, unknown> }).labels;
    expect(adjudicatedMeta).toMatchObject({
      decision: 'adjudicated',
      votes: { a: 1, b: 1, tie: 0, both_bad: 0 },
      annotators: [
        { name: 'alice', label: 'a' },
        { name: 'bob', label: 'b' },
      ],
      adjudicator: 'judge',
      adjudication_note: 'the rule is followed on the left',
    });
    expect((full[0]!.meta as { labels: Record<string, unknown> }).labels).toMatchObject({ decision: 'agreed', votes: { a: 2 } });

    // Ready to train: the launcher's estimate accepts the snapshot as it is.
    const modelId = (await s2.demoModel())!.id;
    // The launcher's defaults for the model, as the Runs page starts from them.
    const config = await call(s2, 'runs.defaults', { modelId });
    const estimate = await call(s2, 'runs.estimate', { snapshotId: result.snapshot.id, modelId, config });
    expect(estimate.issues).toEqual([]);
    expect(estimate.trainPairs + estimate.testPairs).toBe(6);
    expect(estimate.trainPairs).toBeGreaterThan(0);
  });

  it('swap re-serves: a share of labeled pairs comes back with the sides swapped, is recorded as a recheck (never replacing the label), and stats report consistency', async () => {
    const [ws] = workspaces(1);
    const s = await openDemo(ws!);
    // Every labeled pair is re-served (share 1), each after RECHECK_GAP more labels.
    const queue = await demoQueue(s, 'swaps', { recheckShare: 1 });
    expect(queue.recheckShare).toBe(1);
    const ann = await call(s, 'labeling.createAnnotator', { name: 'sam' });
    const labels: PairLabel[] = ['a', 'b', ...Array<PairLabel>(RECHECK_GAP - 1).fill('tie')];
    const ids = await labelPairs(s, queue.id, ann.id, labels.slice(0, -1));
    // The labeler's prefetch passes over the pair on screen: the label being saved counts, so it already gets the re-serve.
    const onScreen = (await call(s, 'labeling.next', { queueId: queue.id, annotatorId: ann.id }))!;
    expect(onScreen.recheck).toBe(false);
    const prefetched = await call(s, 'labeling.next', { queueId: queue.id, annotatorId: ann.id, exclude: [onScreen.id] });
    expect(prefetched).toMatchObject({ id: ids[0], recheck: true });
    ids.push(...(await labelPairs(s, queue.id, ann.id, labels.slice(-1))));
    // The first label now has RECHECK_GAP labels after it: its pair comes back, sides swapped.
    const first = (await call(s, 'labeling.next', { queueId: queue.id, annotatorId: ann.id }))!;
    expect(first).toMatchObject({ id: ids[0], recheck: true, remaining: 1000 - labels.length + 1 });
    const record = await call(s, 'records.get', { id: first.recordId! });
    // The original label's screen order, swapped: whatever was left is now right.
    const seenBefore = (await call(s, 'labeling.stats', { queueId: queue.id })).annotators[0]!;
    expect(seenBefore.labeled).toBe(labels.length);
    const sameKey = await keyFor(s, first, 'a');
    expect(same(first[sameKey === 'left' ? 'left' : 'right'], record.chosen!)).toBe(true);
    const { event, next } = await call(s, 'labeling.record', {
      queueId: queue.id,
      annotatorId: ann.id,
      action: 'label',
      itemId: first.id,
      choice: sameKey,
    });
    expect(event).toMatchObject({ recheck: true, label: 'a', itemId: ids[0] });
    expect(next?.recheck).toBe(false);
    // One more label makes the second pair due; answer it the other way round (inconsistent).
    await labelPairs(s, queue.id, ann.id, ['tie']);
    const second = (await call(s, 'labeling.next', { queueId: queue.id, annotatorId: ann.id }))!;
    expect(second).toMatchObject({ id: ids[1], recheck: true });
    const answer = await call(s, 'labeling.record', {
      queueId: queue.id,
      annotatorId: ann.id,
      action: 'label',
      itemId: second.id,
      choice: await keyFor(s, second, 'a'),
    });
    expect(answer.event).toMatchObject({ recheck: true, label: 'a' });
    const stats = await call(s, 'labeling.stats', { queueId: queue.id });
    // The rechecks did not replace the labels: pair 1 still stands as b, and no label was added.
    expect(stats.progress.labels).toBe(labels.length + 1);
    expect(stats.annotators[0]!.swapConsistency).toEqual({ n: 2, same: 1, share: 0.5 });
    const exported = await call(s, 'labeling.exportLabels', { queueId: queue.id, path: join(ws!, 'swaps.jsonl') });
    const lines = readFileSync(exported.path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; label: string; pair_hash: string });
    expect(lines.filter((l) => l.action === 'recheck').map((l) => l.label)).toEqual(['a', 'a']);
    expect(lines.filter((l) => l.action === 'label').length).toBe(labels.length + 1);
    // The same pairs are picked on every call (the queue's seed decides): nothing answered twice comes back.
    const after = await call(s, 'labeling.next', { queueId: queue.id, annotatorId: ann.id });
    expect(after?.recheck).toBe(false);
  });

  it('labels travel: export from one workspace, import into another — agreement covers both, twice adds nothing (CLI)', async () => {
    const [one, two] = workspaces(2);
    const s1 = await openDemo(one!);
    const q1 = await demoQueue(s1, 'travel', { overlap: 2 });
    const alice = await call(s1, 'labeling.createAnnotator', { name: 'alice' });
    await labelPairs(s1, q1.id, alice.id, ['a', 'a', 'b', 'tie']);
    const judge = await call(s1, 'labeling.createAnnotator', { name: 'judge' });
    const exported = await call(s1, 'labeling.exportLabels', { queueId: q1.id });
    expect(exported.downloadName).toMatch(/^travel-labels-.*\.jsonl$/);
    expect(exported.path).toBe(join(one!, 'artifacts', 'exports', exported.downloadName!));
    expect(exported.count).toBe(4);
    const line = JSON.parse(readFileSync(exported.path, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ annotator: 'alice', action: 'label', label: 'a', ms_on_screen: 1000 });
    expect(Object.keys(line)).toEqual(
      expect.arrayContaining(['pair_hash', 'annotator', 'label', 'rationale', 'confidence', 'ms_on_screen', 'created_at', 'shown_left']),
    );
    void judge;

    const s2 = await openDemo(two!);
    const q2 = await demoQueue(s2, 'travel here', { overlap: 2 });
    const bob = await call(s2, 'labeling.createAnnotator', { name: 'bob' });
    await labelPairs(s2, q2.id, bob.id, ['a', 'b', 'b', 'tie']);
    await s2.close();
    studios.splice(studios.indexOf(s2), 1);

    const file = join(two!, 'alice.jsonl');
    const out = cli(one!, 'label', 'export', 'travel', '--out', file);
    expect(out.code, out.err).toBe(0);
    expect(out.out).toMatch(/wrote 4 label lines of queue "travel" to /);
    const first = cli(two!, 'label', 'import', 'travel here', file, '--json');
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out) as LabelImportReport).toEqual({
      imported: 4,
      duplicates: 0,
      annotatorsCreated: ['alice'],
      errors: [],
      moreErrors: 0,
    });
    const again = cli(two!, 'label', 'import', 'travel here', file);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/imported +0/);
    expect(again.out).toMatch(/duplicates +4/);

    const stats = JSON.parse(cli(two!, 'label', 'stats', 'travel here', '--json').out) as LabelStats;
    expect(stats.progress).toMatchObject({ labels: 8, done: 4 });
    // alice a a b tie, bob a b b tie: 3 of 4 agree.
    expect(stats.agreement.pairs).toEqual([expect.objectContaining({ first: 'bob', second: 'alice', n: 4, percent: 0.75 })]);
    expect(stats.annotators.map((a) => [a.name, a.labeled])).toEqual([
      ['bob', 4],
      ['alice', 4],
    ]);
  });

  it('a labels file with unknown pair hashes, wrong labels and broken lines imports the good lines and reports the rest by line', async () => {
    const [ws] = workspaces(1);
    const s = await openDemo(ws!);
    const queue = await demoQueue(s, 'bad file');
    const first = (await call(s, 'labeling.next', {
      queueId: queue.id,
      annotatorId: (await call(s, 'labeling.createAnnotator', { name: 'x' })).id,
    }))!;
    const hash = first.contentHash;
    const good = { pair_hash: hash, annotator: 'zoe', action: 'label', label: 'a', shown_left: 'b', created_at: 1_700_000_000_000 };
    const file = join(ws!, 'bad.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify(good),
        JSON.stringify({ ...good, pair_hash: 'f'.repeat(64) }),
        JSON.stringify({ ...good, label: 'left', created_at: 1_700_000_000_001 }),
        '{"pair_hash": "broken',
        '',
        JSON.stringify({ ...good, annotator: undefined }),
        '[1, 2]',
        JSON.stringify({ ...good, action: 'skip', created_at: 1_700_000_000_002 }),
        JSON.stringify({ ...good, action: 'skip', label: null, created_at: 1_700_000_000_003 }),
        JSON.stringify({
          ...good,
          annotator: 'yves',
          action: 'adjudicate',
          label: 'b',
          note: 'b is better',
          created_at: 1_700_000_000_004,
        }),
      ].join('\n'),
    );
    const report = await call(s, 'labeling.importLabels', { queueId: queue.id, path: file });
    expect(report.imported).toBe(3);
    expect(report.duplicates).toBe(0);
    expect(report.annotatorsCreated).toEqual(['zoe', 'yves']);
    expect(report.errors).toEqual([
      { line: 2, reason: `pair hash ffffffffffff… is not in queue "bad file"` },
      { line: 3, reason: 'label "left" is not one of a, b, tie, both_bad' },
      { line: 4, reason: expect.stringMatching(/^not valid JSON/) as unknown },
      { line: 6, reason: 'annotator is missing' },
      { line: 7, reason: 'not a JSON object' },
      { line: 8, reason: 'a skip line carries no label' },
    ]);
    const stats = await call(s, 'labeling.stats', { queueId: queue.id });
    expect(stats.annotators.map((a) => [a.name, a.labeled, a.skipped])).toEqual([['zoe', 1, 0]]);
    // It ran as a job in a worker process, whose result is the report.
    const [job] = (await call(s, 'jobs.list', {})).filter((j) => j.kind === 'label-import');
    expect(job).toMatchObject({ status: 'succeeded', result: { imported: 3 } });
    // A queue with nothing labeled has nothing to build: refused, saying what it found, and no dataset is left behind.
    const empty = await demoQueue(s, 'nothing yet');
    await expect(call(s, 'labeling.build', { queueId: empty.id, datasetName: 'nothing' })).rejects.toThrow(
      /No pair of queue "nothing yet" has a label to build from: 1000 unlabeled/,
    );
    expect((await call(s, 'datasets.list', {})).map((d) => d.name)).not.toContain('nothing');
    // The imported decision (yves: b) outranks zoe's a, even where two votes are asked for.
    const built = await call(s, 'labeling.build', { queueId: queue.id, datasetName: 'decided', minVotes: 2 });
    expect(built).toMatchObject({ records: 1, excluded: { unlabeled: 999, conflicts: 0 } });
    const decided = await call(s, 'labeling.conflicts', { queueId: queue.id, status: 'all' });
    expect(decided.total).toBe(0);
    await expect(call(s, 'labeling.importLabels', { queueId: queue.id, path: join(ws!, 'nope.jsonl') })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // The real CLI: a file with no usable line exits 2, naming the lines.
    writeFileSync(join(ws!, 'none.jsonl'), 'nonsense\n');
    await s.close();
    studios.splice(0);
    const res = cli(ws!, 'label', 'import', 'bad file', join(ws!, 'none.jsonl'));
    expect(res.code).toBe(2);
    expect(res.out).toMatch(/line 1: not valid JSON/);
  });

  it('serve mode: a labels export is downloaded by its name, and the downloaded file imports into another queue', async () => {
    const [ws] = workspaces(1);
    const serve = await startServe(ws!, { STUDIO_NO_DEMO: '' });
    servers.push(serve);
    const api = async <T>(method: string, args: unknown): Promise<T> => {
      const res = await callApi(serve.port, serve.token, method, args);
      if (!res.json.ok) throw new Error(`${method}: ${JSON.stringify(res.json.error)}`);
      return res.json.value as T;
    };
    const [demo] = await api<{ id: number }[]>('datasets.list', {});
    const queue = await api<{ id: number }>('labeling.createQueue', { name: 'served', datasetId: demo!.id, recheckShare: 0 });
    const other = await api<{ id: number }>('labeling.createQueue', { name: 'other', datasetId: demo!.id, recheckShare: 0 });
    const ann = await api<{ id: number }>('labeling.createAnnotator', { name: 'una' });
    let item = await api<LabelItem>('labeling.next', { queueId: queue.id, annotatorId: ann.id });
    for (const choice of ['left', 'tie'] as const)
      item = (
        await api<{ next: LabelItem }>('labeling.record', {
          queueId: queue.id,
          annotatorId: ann.id,
          action: 'label',
          itemId: item.id,
          choice,
        })
      ).next;
    const exported = await api<{ count: number; downloadName: string }>('labeling.exportLabels', { queueId: queue.id });
    expect(exported.count).toBe(2);
    const auth = { authorization: `Bearer ${serve.token}` };
    const download = await rawRequest(serve.port, `/api/download/${encodeURIComponent(exported.downloadName)}`, { headers: auth });
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toContain(exported.downloadName);
    const lines = download.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { annotator: string; label: string });
    expect(lines.map((l) => [l.annotator, l.label])).toEqual([
      ['una', expect.stringMatching(/^[ab]$/) as unknown],
      ['una', 'tie'],
    ]);
    const file = join(ws!, 'downloaded.jsonl');
    writeFileSync(file, download.body);
    const report = await api<LabelImportReport>('labeling.importLabels', { queueId: other.id, path: file });
    expect(report).toMatchObject({ imported: 2, duplicates: 0, errors: [] });
  });

  it('a build that fails part-way leaves nothing behind: dataset, records, split and snapshot are one transaction', async () => {
    const [ws] = workspaces(1);
    const s = await openDemo(ws!);
    const queue = await demoQueue(s, 'atomic');
    const ann = await call(s, 'labeling.createAnnotator', { name: 'ada' });
    await labelPairs(s, queue.id, ann.id, ['a', 'b', 'a']);
    await s.close();
    studios.splice(0);
    const stores = openStores(ws!);
    try {
      const before = stores.datasets.listDatasets().map((d) => d.name);
      // The last step (the snapshot) fails after the dataset, its records and its split were written.
      stores.db.exec(`CREATE TEMP TRIGGER fail_snapshot BEFORE INSERT ON snapshots BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`);
      expect(() => buildDatasetFromLabels(stores.db, { queueId: queue.id, datasetName: 'half' })).toThrow(/disk trouble/);
      expect(stores.datasets.listDatasets().map((d) => d.name)).toEqual(before);
      stores.db.exec('DROP TRIGGER fail_snapshot');
      const built = buildDatasetFromLabels(stores.db, { queueId: queue.id, datasetName: 'whole' });
      expect(built).toMatchObject({ records: 3, snapshot: { recordCount: 3 } });
    } finally {
      stores.close();
    }
  });

  it('studio label conflicts lists the disagreements with rationale and confidence; studio label adjudicate decides one by hash', async () => {
    const [ws] = workspaces(1);
    const s = await openDemo(ws!);
    const queue = await demoQueue(s, 'cli review', { overlap: 2 });
    const said = { uma: 'left follows the rule', vic: 'right reads better' };
    for (const [name, label] of [
      ['uma', 'a'],
      ['vic', 'b'],
    ] as const) {
      const who = await call(s, 'labeling.createAnnotator', { name });
      const item = (await call(s, 'labeling.next', { queueId: queue.id, annotatorId: who.id }))!;
      await call(s, 'labeling.record', {
        queueId: queue.id,
        annotatorId: who.id,
        action: 'label',
        itemId: item.id,
        choice: await keyFor(s, item, label),
        rationale: said[name],
        confidence: name === 'uma' ? 3 : 1,
      });
    }
    await call(s, 'labeling.createAnnotator', { name: 'wes' });
    const [conflict] = (await call(s, 'labeling.conflicts', { queueId: queue.id })).conflicts;
    expect(conflict!.labels.map((l) => [l.annotator, l.label, l.rationale, l.confidence])).toEqual([
      ['uma', 'a', said.uma, 3],
      ['vic', 'b', said.vic, 1],
    ]);
    await s.close();
    studios.splice(0);
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const run = async (...args: string[]) => {
      out.length = 0;
      const code = await main([...args, '--workspace', ws!], io);
      return { code, text: out.join('\n') };
    };
    const listed = await run('label', 'conflicts', 'cli review');
    expect(listed.code).toBe(0);
    expect(listed.text).toMatch(new RegExp(`#${conflict!.itemId} .*${conflict!.contentHash.slice(0, 12)} .*uma: a, vic: b .*open`));
    const decided = await run(
      'label',
      'adjudicate',
      'cli review',
      '--pair',
      conflict!.contentHash.slice(0, 10),
      '--label',
      'b',
      '--annotator',
      'wes',
      '--note',
      'reads better',
    );
    expect(decided.code, decided.text).toBe(0);
    expect(decided.text).toBe(`pair #${conflict!.itemId} decided b by wes`);
    expect((await run('label', 'conflicts', 'cli review')).text).toBe('No open conflicts.');
    expect((await run('label', 'conflicts', 'cli review', '--all')).text).toMatch(/uma: a, vic: b +b \(wes\)/);
    expect(
      (await run('label', 'adjudicate', 'cli review', '--pair', String(conflict!.itemId), '--label', 'left', '--annotator', 'wes')).code,
    ).toBe(1);
    expect(
      (await run('label', 'adjudicate', 'cli review', '--pair', String(conflict!.itemId), '--label', 'a', '--annotator', 'nobody')).code,
    ).toBe(1);
  });

  it('an import job reports progress and can be cancelled mid-way; importing the file again adds exactly the rest', async () => {
    const [ws] = workspaces(1);
    const s = await openDemo(ws!);
    const queue = await demoQueue(s, 'big file');
    const hashes: string[] = [];
    const ann = await call(s, 'labeling.createAnnotator', { name: 'reader' });
    // Every pair's hash, read the way a labeler meets them (skipping each so the next one comes).
    for (
      let item = await call(s, 'labeling.next', { queueId: queue.id, annotatorId: ann.id });
      item && !hashes.includes(item.contentHash);
    ) {
      hashes.push(item.contentHash);
      item = (await call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'skip', itemId: item.id })).next;
    }
    const N = 20_000;
    const file = join(ws!, 'big.jsonl');
    writeFileSync(
      file,
      Array.from({ length: N }, (_, i) =>
        JSON.stringify({
          pair_hash: hashes[i % hashes.length],
          annotator: `p${i % 7}`,
          label: 'a',
          shown_left: 'a',
          created_at: 1_700_000_000_000 + i,
        }),
      ).join('\n'),
    );
    const job = await call(s, 'labeling.startImport', { queueId: queue.id, path: file });
    await new Promise<void>((resolve) => {
      const off = s.events.subscribe((e) => {
        if (e.type === 'job.updated' && e.job.id === job.id && (e.job.progress > 0.1 || e.job.status !== 'running')) {
          off();
          resolve();
        }
      });
    });
    await call(s, 'jobs.cancel', { id: job.id });
    const first = await jobSettled(s, job.id);
    // On a fast machine it may have finished before the cancel arrived; either way nothing is lost or doubled.
    expect(['cancelled', 'succeeded']).toContain(first.status);
    const again = await call(s, 'labeling.importLabels', { queueId: queue.id, path: file });
    expect(again.errors).toEqual([]);
    expect(again.imported + again.duplicates).toBe(N);
    if (first.status === 'cancelled') expect(again.duplicates).toBeGreaterThan(0);
    const stats = await call(s, 'labeling.stats', { queueId: queue.id });
    expect(stats.annotators.filter((a) => a.name.startsWith('p')).reduce((n, a) => n + a.events, 0)).toBe(N);
  });
});
