import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../../main/core/client';
import { createStudio, type Studio } from '../../main/core/studio';
import type { Message } from '../../shared/datasets';
import { type LabelEvent, type LabelItem, type LabelStats, type PairLabel, type ScreenChoice, screenChoiceOf } from '../../shared/labeling';
import { main } from '../../main/cli/index';
import { callApi, startServe, type ServeHandle } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';
import { withStores } from '../helpers/workspace';
import { LabelStore } from '../../main/core/labeling/label-store';

let studio: Studio | undefined;
const servers: ServeHandle[] = [];
let cleanup = () => {};
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop('SIGKILL');
  await studio?.close();
  studio = undefined;
  cleanup();
});

async function openDemo(): Promise<{ s: Studio; ws: string }> {
  const t = tempDir();
  cleanup = t.cleanup;
  const ws = join(t.dir, 'ws');
  studio = createStudio({ workspaceDir: ws, superviseJobs: false });
  await studio.seedDemo();
  return { s: studio, ws };
}

const same = (x: Message[], y: Message[]) => JSON.stringify(x) === JSON.stringify(y);

/** The key that gives `label` (pair order: a = the record's chosen) for the pair as it is shown, found from the record itself. */
async function keyFor(s: Studio, item: LabelItem, label: PairLabel): Promise<ScreenChoice> {
  if (label === 'tie' || label === 'both_bad') return label;
  const record = await call(s, 'records.get', { id: item.recordId! });
  const leftIsA = same(item.left, record.chosen!);
  expect(leftIsA || same(item.right, record.chosen!)).toBe(true);
  return (label === 'a') === leftIsA ? 'left' : 'right';
}

describe('labeling through the contract', () => {
  it('two annotators with overlap 2: κ, α, conflicts, progress, undo and skip', async () => {
    const { s } = await openDemo();
    const demo = (await call(s, 'datasets.list', {}))[0]!;
    const queue = await call(s, 'labeling.createQueue', {
      name: 'check demo',
      datasetId: demo.id,
      overlap: 2,
      guidelines: '# Pick the answer that follows the rule',
    });
    expect(queue).toMatchObject({ kind: 'pairs', order: 'stored', overlap: 2, total: demo.recordCount, done: 0 });
    await expect(call(s, 'labeling.createQueue', { name: 'check demo', datasetId: demo.id })).rejects.toMatchObject({ code: 'CONFLICT' });

    const alice = await call(s, 'labeling.createAnnotator', { name: 'alice' });
    const bob = await call(s, 'labeling.createAnnotator', { name: 'bob' });
    const carol = await call(s, 'labeling.createAnnotator', { name: 'carol' });
    expect((await call(s, 'labeling.annotators', {})).map((a) => a.name)).toEqual(['alice', 'bob', 'carol']);

    // Pair order labels (a = chosen). Agreement on 7 of 10: p_o = 0.7; alice a5 b3 tie1 bb1, bob a5 b3 tie2:
    // p_e = .5·.5 + .3·.3 + .1·.2 + .1·0 = 0.36, κ = (0.7 − 0.36) / (1 − 0.36) = 0.53125.
    const plan: Record<string, PairLabel[]> = {
      alice: ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'tie', 'both_bad'],
      bob: ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'a', 'tie', 'tie'],
    };
    const itemIds: Record<string, number[]> = { alice: [], bob: [] };
    for (const who of [alice, bob]) {
      let item = await call(s, 'labeling.next', { queueId: queue.id, annotatorId: who.id });
      expect(item?.position).toBe(0);
      for (const [i, label] of plan[who.name]!.entries()) {
        expect(item!.position).toBe(i);
        itemIds[who.name]!.push(item!.id);
        if (who === alice && i === 2) {
          // A mis-keyed label taken back: the undo reopens the same pair, and a skip elsewhere is not a label.
          const wrong = await call(s, 'labeling.record', {
            queueId: queue.id,
            annotatorId: who.id,
            action: 'label',
            itemId: item!.id,
            choice: await keyFor(s, item!, 'b'),
          });
          expect(wrong.event.label).toBe('b');
          expect(wrong.next?.position).toBe(3);
          const undone = await call(s, 'labeling.record', { queueId: queue.id, annotatorId: who.id, action: 'undo' });
          expect(undone.event).toMatchObject({ action: 'undo', itemId: item!.id });
          expect(undone.next).toMatchObject({ id: item!.id, reopened: true });
          item = undone.next;
        }
        const choice = await keyFor(s, item!, label);
        const done = await call(s, 'labeling.record', {
          queueId: queue.id,
          annotatorId: who.id,
          action: 'label',
          itemId: item!.id,
          choice,
          confidence: 2,
          msOnScreen: 1200,
          rationale: 'follows the rule',
        });
        expect(done.event.label).toBe(label);
        if (choice === 'left' || choice === 'right') expect(screenChoiceOf(label, done.event.shownLeft)).toBe(choice);
        item = done.next;
      }
    }
    expect(itemIds.alice).toEqual(itemIds.bob);

    // Overlap 2: the ten pairs both labeled left everyone's queue; one labeled by alice alone has not.
    expect((await call(s, 'labeling.next', { queueId: queue.id, annotatorId: carol.id }))?.position).toBe(10);
    const eleventh = (await call(s, 'labeling.next', { queueId: queue.id, annotatorId: alice.id }))!;
    await call(s, 'labeling.record', { queueId: queue.id, annotatorId: alice.id, action: 'label', itemId: eleventh.id, choice: 'tie' });
    expect((await call(s, 'labeling.next', { queueId: queue.id, annotatorId: carol.id }))?.position).toBe(10);
    expect((await call(s, 'labeling.next', { queueId: queue.id, annotatorId: alice.id }))?.position).toBe(11);
    // A skip: carol's queue moves on, and the skipped pair is no label.
    const skipped = await call(s, 'labeling.record', { queueId: queue.id, annotatorId: carol.id, action: 'skip', itemId: eleventh.id });
    expect(skipped.next?.position).toBe(11);

    const stats = await call(s, 'labeling.stats', { queueId: queue.id });
    expect(stats.progress).toEqual({ total: demo.recordCount, done: 10, labels: 21 });
    expect(stats.queue.done).toBe(10);
    const byName = Object.fromEntries(stats.annotators.map((a) => [a.name, a]));
    expect(byName.alice).toMatchObject({ labeled: 11, events: 13 });
    expect(byName.bob).toMatchObject({ labeled: 10, events: 10, labelsPerHour: 3000 });
    expect(byName.carol).toMatchObject({ labeled: 0, skipped: 1, events: 1 });
    expect(byName.bob!.positionBias.n).toBe(8);
    const ab = stats.agreement.pairs.find((p) => p.first === 'alice' && p.second === 'bob')!;
    expect(ab.n).toBe(10);
    expect(ab.percent).toBeCloseTo(0.7, 10);
    expect(ab.kappa).toBeCloseTo(0.53125, 10);
    // Pairs with carol share no labeled pair: undefined, said so, never NaN.
    const ac = stats.agreement.pairs.find((p) => p.second === 'carol')!;
    expect(ac).toMatchObject({ n: 0, kappa: null, percent: null });
    expect(ac.reason).toMatch(/no unit was labeled by both annotators/);
    expect(stats.agreement.alphaUnits).toBe(10);
    expect(stats.agreement.alpha).not.toBeNull();
    // Every pair whose standing labels differ is a conflict; those with a against b are the decisive ones.
    expect(stats.conflicts.map((c) => [c.position, c.decisive])).toEqual([
      [4, true],
      [7, true],
      [9, false],
    ]);
    expect(stats.conflicts[2]!.labels).toEqual([
      { annotator: 'alice', label: 'both_bad' },
      { annotator: 'bob', label: 'tie' },
    ]);
  });

  it('skipped pairs come back after the rest, the queue ends with null, and refusals say why', async () => {
    const { s } = await openDemo();
    const demo = (await call(s, 'datasets.list', {}))[0]!;
    const ids = (await call(s, 'records.query', { datasetId: demo.id, limit: 1000 })).rows.map((r) => r.id);
    await call(s, 'records.delete', { datasetId: demo.id, ids: ids.slice(3) });
    const queue = await call(s, 'labeling.createQueue', { name: 'three', datasetId: demo.id });
    expect(queue.total).toBe(3);
    const ann = await call(s, 'labeling.createAnnotator', { name: 'sam' });
    await expect(call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'undo' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const first = (await call(s, 'labeling.next', { queueId: queue.id, annotatorId: ann.id }))!;
    expect(first).toMatchObject({ position: 0, remaining: 3, reopened: false });
    await expect(
      call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'label', itemId: first.id }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    let r = await call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'skip', itemId: first.id });
    expect(r.next).toMatchObject({ position: 1, remaining: 3 });
    r = await call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'label', itemId: r.next!.id, choice: 'left' });
    r = await call(s, 'labeling.record', {
      queueId: queue.id,
      annotatorId: ann.id,
      action: 'label',
      itemId: r.next!.id,
      choice: 'both_bad',
    });
    // Only the skipped pair is left: it comes back.
    expect(r.next).toMatchObject({ id: first.id, remaining: 1 });
    r = await call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'label', itemId: first.id, choice: 'tie' });
    expect(r.next).toBeNull();
    expect((await call(s, 'labeling.queues', {}))[0]).toMatchObject({ name: 'three', done: 3, total: 3 });
    // Undo walks back: the tie on the first pair, then the both-bad on the third.
    r = await call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'undo' });
    expect(r.next).toMatchObject({ id: first.id, reopened: true, remaining: 1 });
    r = await call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'undo' });
    expect(r.next).toMatchObject({ position: 2, reopened: true, remaining: 2 });
    const other = await call(s, 'labeling.createQueue', { name: 'other', datasetId: demo.id });
    const foreign = (await call(s, 'labeling.next', { queueId: other.id, annotatorId: ann.id }))!;
    await expect(
      call(s, 'labeling.record', { queueId: queue.id, annotatorId: ann.id, action: 'label', itemId: foreign.id, choice: 'left' }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(call(s, 'labeling.next', { queueId: queue.id, annotatorId: 999 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await call(s, 'labeling.stats', { queueId: queue.id })).annotators[0]).toMatchObject({ labeled: 1, skipped: 0, events: 6 });
  });

  it('makes a queue from a snapshot, in a seeded random order that repeats', async () => {
    const { s } = await openDemo();
    const [snapshot] = await call(s, 'snapshots.list', {});
    const one = await call(s, 'labeling.createQueue', { name: 'r1', snapshotId: snapshot!.id, order: 'random', seed: 5 });
    const two = await call(s, 'labeling.createQueue', { name: 'r2', snapshotId: snapshot!.id, order: 'random', seed: 5 });
    expect(one.total).toBe(snapshot!.recordCount);
    const ann = await call(s, 'labeling.createAnnotator', { name: 'x' });
    const first = (await call(s, 'labeling.next', { queueId: one.id, annotatorId: ann.id }))!;
    const second = (await call(s, 'labeling.next', { queueId: two.id, annotatorId: ann.id }))!;
    expect(first.contentHash).toBe(second.contentHash);
    expect(first.recordId).not.toBe((await call(s, 'records.query', { datasetId: snapshot!.datasetId, limit: 1 })).rows[0]!.id);
    // An arena queue holds the snapshot's distinct prompts and no pair until candidates are generated (labeling-candidates.test.ts).
    const arena = await call(s, 'labeling.createQueue', { name: 'x', kind: 'arena', snapshotId: snapshot!.id });
    expect(arena.total).toBe(0);
    expect(arena.prompts!.total + arena.skipped).toBe(snapshot!.recordCount);
    await expect(call(s, 'labeling.createQueue', { name: 'y', kind: 'relabel', snapshotId: snapshot!.id })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('skips identical responses with a note', async () => {
    const { s } = await openDemo();
    const ds = await call(s, 'datasets.create', { name: 'tiny' });
    const demo = (await call(s, 'datasets.list', {})).find((d) => d.name !== 'tiny')!;
    const rows = (await call(s, 'records.query', { datasetId: demo.id, limit: 3 })).rows;
    // Turn one demo record's rejected into its chosen: that pair is identical.
    const record = await call(s, 'records.get', { id: rows[1]!.id });
    await call(s, 'records.update', { id: record.id, content: { rejected: record.chosen } });
    const queue = await call(s, 'labeling.createQueue', { name: 'ident', datasetId: demo.id });
    expect(queue.total).toBe(demo.recordCount - 1);
    expect(queue.skipped).toBe(1);
    expect(queue.notes[0]).toMatch(/identical/);
    await expect(call(s, 'labeling.createQueue', { name: 'empty', datasetId: ds.id })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('studio label', () => {
  it('creates a queue, lists queues and prints stats with κ, α and position bias, through the same contract', async () => {
    const { s, ws } = await openDemo();
    const queue = await call(s, 'labeling.createQueue', {
      name: 'cli q',
      datasetId: (await call(s, 'datasets.list', {}))[0]!.id,
      overlap: 2,
    });
    const x = await call(s, 'labeling.createAnnotator', { name: 'xena' });
    const y = await call(s, 'labeling.createAnnotator', { name: 'yuri' });
    // xena: tie tie a b, yuri: tie a a b → p_o = 3/4, p_e = .5·.25 + .25·.5 + .25·.25 = 0.3125, κ = 0.4375 / 0.6875 = 0.636…
    const plans: [number, PairLabel[]][] = [
      [x.id, ['tie', 'tie', 'a', 'b']],
      [y.id, ['tie', 'a', 'a', 'b']],
    ];
    for (const [annotatorId, labels] of plans) {
      let item = await call(s, 'labeling.next', { queueId: queue.id, annotatorId });
      for (const label of labels) {
        item = (
          await call(s, 'labeling.record', {
            queueId: queue.id,
            annotatorId,
            action: 'label',
            itemId: item!.id,
            choice: await keyFor(s, item!, label),
          })
        ).next;
      }
    }
    await s.close();
    studio = undefined;
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const run = async (...args: string[]) => {
      out.length = 0;
      const code = await main([...args, '--workspace', ws], io);
      return { code, text: out.join('\n') };
    };
    const stats = await run('label', 'stats', 'cli q', '--json');
    expect(stats.code).toBe(0);
    const parsed = JSON.parse(stats.text) as LabelStats;
    expect(parsed.agreement.pairs[0]!.kappa).toBeCloseTo(0.4375 / 0.6875, 10);
    expect(parsed.progress).toMatchObject({ done: 4, labels: 8 });
    const text = await run('label', 'stats', String(queue.id));
    expect(text.text).toMatch(/4 \/ 1000 pairs done/);
    expect(text.text).toMatch(/xena · yuri +4 +75\.0% +0\.636/);
    expect(text.text).toMatch(/α \(nominal\) +0\.\d{3} over 4 pairs/);
    const made = await run(
      'label',
      'create',
      '--dataset',
      'Demo: rule following',
      '--name',
      'second',
      '--order',
      'random',
      '--seed',
      '9',
      '--overlap',
      '3',
    );
    expect(made.code).toBe(0);
    expect(made.text).toMatch(/queue #2 "second": 1000 pairs/);
    const list = await run('label', 'queues', '--json');
    expect((JSON.parse(list.text) as { name: string; overlap: number }[]).map((q) => [q.name, q.overlap])).toEqual([
      ['second', 3],
      ['cli q', 2],
    ]);
    expect((await run('label', 'create', '--name', 'x')).code).toBe(1);
    expect((await run('label', 'stats', 'missing')).code).toBe(1);
  });
});

describe('labels survive a crash', () => {
  it('every acknowledged label is there after kill -9, and the session resumes at the next unlabeled pair', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const ws = join(t.dir, 'ws');
    const serve = await startServe(ws, { STUDIO_NO_DEMO: '' });
    servers.push(serve);
    const api = async <T>(method: string, args: unknown): Promise<T> => {
      const res = await callApi(serve.port, serve.token, method, args);
      if (!res.json.ok) throw new Error(`${method}: ${JSON.stringify(res.json.error)}`);
      return res.json.value as T;
    };
    const [demo] = await api<{ id: number }[]>('datasets.list', {});
    const queue = await api<{ id: number }>('labeling.createQueue', { name: 'crash', datasetId: demo!.id });
    const ann = await api<{ id: number }>('labeling.createAnnotator', { name: 'dora' });
    let item = await api<LabelItem>('labeling.next', { queueId: queue.id, annotatorId: ann.id });
    const acknowledged: LabelEvent[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await api<{ event: LabelEvent; next: LabelItem }>('labeling.record', {
        queueId: queue.id,
        annotatorId: ann.id,
        action: 'label',
        itemId: item.id,
        choice: i % 3 === 0 ? 'left' : i % 3 === 1 ? 'right' : 'tie',
        msOnScreen: 800,
      });
      acknowledged.push(res.event);
      item = res.next;
    }
    // One more in flight when the process dies: it may or may not have landed, but never half.
    void callApi(serve.port, serve.token, 'labeling.record', {
      queueId: queue.id,
      annotatorId: ann.id,
      action: 'label',
      itemId: item.id,
      choice: 'left',
    }).catch(() => undefined);
    await serve.stop('SIGKILL');

    // Every acknowledged event is in the database exactly as it was answered.
    const stored = withStores(ws, ({ db }) => new LabelStore(db).queueEvents(queue.id));
    for (const e of acknowledged) expect(stored).toContainEqual(e);
    expect(stored.length === 12 || stored.length === 13).toBe(true);

    studio = createStudio({ workspaceDir: ws, superviseJobs: false });
    const stats = await call(studio, 'labeling.stats', { queueId: queue.id });
    const dora = stats.annotators.find((a) => a.name === 'dora')!;
    expect(dora.labeled).toBe(stored.length);
    // The session resumes at the first pair not labeled (stored order: its position is the count labeled).
    const after = await call(studio, 'labeling.next', { queueId: queue.id, annotatorId: ann.id });
    expect(after!.position).toBe(stored.length);
    expect(new Set(acknowledged.map((e) => e.itemId)).size).toBe(12);
  }, 120_000);
});
