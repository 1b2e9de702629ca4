import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../main/core/studio';
import type { Job } from '../../shared/jobs';
import type { RecordContent } from '../../shared/datasets';
import { recoverImports } from '../../main/core/datasets/imports';
import { call, jobSettled } from '../../main/core/client';
import { tempDir } from '../helpers/tmp';
import { datasetById, withStores } from '../helpers/workspace';

let studio: Studio | undefined;
let cleanup = () => {};
afterEach(async () => {
  await studio?.close();
  studio = undefined;
  cleanup();
});

function open(): { s: Studio; dir: string; ws: string } {
  const t = tempDir();
  cleanup = t.cleanup;
  const ws = join(t.dir, 'ws');
  studio = createStudio({ workspaceDir: ws });
  return { s: studio, dir: t.dir, ws };
}

async function importFile(s: Studio, path: string, datasetName: string): Promise<{ job: Job; datasetId: number; importId: number }> {
  const job = await call(s, 'datasets.import', { path, datasetName });
  const done = await jobSettled(s, job.id);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  const result = done.result as { datasetId: number; importId: number };
  return { job: done, datasetId: result.datasetId, importId: result.importId };
}

const pairs = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => ({
    prompt: `Question number ${i + offset} about topic ${(i + offset) % 7}?`,
    chosen: `A careful answer ${i + offset}.`,
    rejected: `nope ${i + offset}`,
  }));

function contentOf(r: RecordContent): RecordContent {
  return { kind: r.kind, prompt: r.prompt, chosen: r.chosen, rejected: r.rejected, responses: r.responses, system: r.system };
}

describe('dataset import as a job', () => {
  it('keeps good rows, reports every bad one with file, line and field, and flags odd pairs', async () => {
    const { s, dir } = open();
    const path = join(dir, 'mixed.jsonl');
    const lines = [
      ...pairs(5).map((p) => JSON.stringify(p)),
      '{"prompt": "broken json", "chosen": ',
      JSON.stringify({ prompt: 'no rejected side', chosen: 'x' }),
      JSON.stringify({ prompt: 'same', chosen: 'twin', rejected: 'twin' }),
      JSON.stringify({ prompt: 'wrong type', chosen: 42, rejected: 'y' }),
    ];
    writeFileSync(path, lines.join('\n') + '\n');
    const { datasetId, importId } = await importFile(s, path, 'mixed');
    const report = await call(s, 'datasets.importReport', { id: importId, errorsOffset: 0, errorsLimit: 100 });
    expect(report).toMatchObject({ status: 'done', format: 'trl-standard', imported: 6, rowsSeen: 9 });
    expect(report.rejected).toBe(3);
    const errors = report.errors.filter((e) => e.severity === 'error');
    expect(errors.map((e) => e.line).sort()).toEqual([6, 7, 9]);
    expect(errors.every((e) => e.file === 'mixed.jsonl' && e.reason.length > 10)).toBe(true);
    expect(errors.find((e) => e.line === 7)?.field).toBe('rejected');
    const flagged = await call(s, 'records.query', { datasetId, filter: { flags: ['identical'] }, offset: 0, limit: 10, sort: 'id' });
    expect(flagged.rows.map((r) => r.prompt)).toEqual(['same']);

    // The rejected rows come back as they were, to be fixed and imported again.
    expect(errors.find((e) => e.line === 6)?.raw).toBe('{"prompt": "broken json", "chosen":');
    const saved = await call(s, 'datasets.exportRejected', { importId });
    expect(saved.count).toBe(3);
    const { readFileSync } = await import('node:fs');
    const rejectedLines = readFileSync(saved.path, 'utf8').trim().split('\n');
    expect(rejectedLines[0]).toBe('{"prompt": "broken json", "chosen":');
    expect(JSON.parse(rejectedLines[1]!)).toEqual({ prompt: 'no rejected side', chosen: 'x' });
    const fixed = join(dir, 'fixed.jsonl');
    writeFileSync(
      fixed,
      [
        JSON.stringify({ prompt: 'broken json', chosen: 'now', rejected: 'fixed' }),
        JSON.stringify({ ...JSON.parse(rejectedLines[1]!), rejected: 'y' }),
        JSON.stringify({ ...JSON.parse(rejectedLines[2]!), chosen: '42' }),
      ].join('\n'),
    );
    const again = await importFile(s, fixed, 'mixed');
    expect(again.datasetId).toBe(datasetId);
    expect((await datasetById(s, datasetId)).recordCount).toBe(9);
  });

  it('rolls back an import that never finished, keeping the dataset whole', async () => {
    const { s, dir, ws } = open();
    const path = join(dir, 'ok.jsonl');
    writeFileSync(
      path,
      pairs(3)
        .map((p) => JSON.stringify(p))
        .join('\n'),
    );
    const { datasetId } = await importFile(s, path, 'ds');
    // A second import that "crashed": its rows are in, its job is interrupted.
    const importId = withStores(ws, ({ db, jobs, datasets }) => {
      const job = jobs.create({ kind: 'dataset-import', title: 'x', lane: 'io', params: {} });
      jobs.transition(job.id, 'running');
      jobs.transition(job.id, 'interrupted');
      const id = Number(
        db
          .prepare(`INSERT INTO imports (dataset_id, job_id, file, status, created_at) VALUES (?, ?, 'half.jsonl', 'running', 0)`)
          .run(datasetId, job.id).lastInsertRowid,
      );
      datasets.insertRecords(
        datasetId,
        id,
        pairs(4, 100).map((p) => ({
          kind: 'preference',
          prompt: [{ role: 'user', content: p.prompt }],
          chosen: [{ role: 'assistant', content: p.chosen }],
          rejected: [{ role: 'assistant', content: p.rejected }],
          responses: null,
          system: null,
        })),
      );
      return id;
    });
    expect((await datasetById(s, datasetId)).recordCount).toBe(7);
    expect(withStores(ws, ({ db }) => recoverImports(db))).toBe(1);
    expect((await datasetById(s, datasetId)).recordCount).toBe(3);
    expect((await call(s, 'datasets.importReport', { id: importId, errorsOffset: 0, errorsLimit: 1 })).status).toBe('failed');
  });
});

describe('curation', () => {
  it('finds records by full-text search, with prefixes, combined with filters', async () => {
    const { s, dir } = open();
    const path = join(dir, 'fts.jsonl');
    writeFileSync(
      path,
      [
        { prompt: 'How do volcanoes erupt?', chosen: 'Magma pressure builds until it escapes.', rejected: 'They sneeze.' },
        { prompt: 'Explain photosynthesis', chosen: 'Plants turn light into sugar.', rejected: 'Magic.' },
        { prompt: 'What is a volcano made of?', chosen: 'Rock and ash.', rejected: 'Cheese.' },
        { prompt: 'Café au lait recipe', chosen: 'Coffee with hot milk.', rejected: 'Tea.' },
      ]
        .map((p) => JSON.stringify(p))
        .join('\n'),
    );
    const { datasetId } = await importFile(s, path, 'fts');
    const search = async (text: string, extra = {}) =>
      (await call(s, 'records.query', { datasetId, filter: { search: text, ...extra }, offset: 0, limit: 50, sort: 'id' })).rows.map(
        (r) => r.prompt,
      );
    expect(await search('volcano')).toEqual(['What is a volcano made of?']);
    expect(await search('volcano*')).toEqual(['How do volcanoes erupt?', 'What is a volcano made of?']);
    expect(await search('magma pressure')).toEqual(['How do volcanoes erupt?']);
    expect(await search('cheese')).toEqual(['What is a volcano made of?']);
    expect(await search('cafe')).toEqual(['Café au lait recipe']);
    expect(await search('"unbalanced AND (')).toEqual([]);
    expect(await search('zebra')).toEqual([]);
    expect(await search('volcan*', { promptChars: { max: 24 } })).toEqual(['How do volcanoes erupt?']);
    // The index follows edits.
    const id = (await call(s, 'records.query', { datasetId, filter: { search: 'photosynthesis' }, offset: 0, limit: 1, sort: 'id' }))
      .rows[0]!.id;
    await call(s, 'records.update', { id, content: { prompt: [{ role: 'user', content: 'Explain chlorophyll' }] }, reason: 'fix' });
    expect(await search('photosynthesis')).toEqual([]);
    expect(await search('chlorophyll')).toEqual(['Explain chlorophyll']);
    const record = await call(s, 'records.get', { id });
    expect(record.version).toBe(2);
    expect(record.history[0]).toMatchObject({ reason: 'fix', before: { prompt: [{ content: 'Explain photosynthesis' }] } });
  });

  it('tags in bulk by filter and filters by tag', async () => {
    const { s, dir } = open();
    const path = join(dir, 't.jsonl');
    writeFileSync(
      path,
      pairs(10)
        .map((p) => JSON.stringify(p))
        .join('\n'),
    );
    const { datasetId } = await importFile(s, path, 't');
    const tagged = await call(s, 'records.tag', { datasetId, filter: { search: 'topic 1' }, add: ['math', 'review'], remove: [] });
    expect(tagged.records).toBe(2);
    expect(tagged.changed).toBe(4);
    const byTag = await call(s, 'records.query', { datasetId, filter: { tags: ['math'] }, offset: 0, limit: 50, sort: 'id' });
    expect(byTag.total).toBe(2);
    expect(byTag.rows[0]!.tags).toEqual(['math', 'review']);
    await call(s, 'records.tag', { datasetId, ids: [byTag.rows[0]!.id], add: [], remove: ['math'] });
    expect((await call(s, 'datasets.facets', { datasetId })).tags).toEqual([
      { name: 'math', count: 1 },
      { name: 'review', count: 2 },
    ]);
  });

  it('detects exact and near duplicates on a fixture with known duplicates, and merges them', async () => {
    const { s, dir } = open();
    const base = 'Write a short poem about the quiet sea at night with stars above the waves and a lonely boat drifting slowly home';
    const rows = [
      { prompt: base, chosen: 'The sea is calm, the stars are bright.', rejected: 'no' }, // 1
      { prompt: base, chosen: 'The sea is calm, the stars are bright.', rejected: 'no' }, // 2: exact copy of 1
      { prompt: base.replace('lonely', 'lone'), chosen: 'The sea is calm, the stars are bright.', rejected: 'no' }, // 3: near 1
      {
        prompt: 'Explain how a bicycle gear system changes the effort needed when riding up a steep hill',
        chosen: 'Lower gears trade speed for force.',
        rejected: 'Pedal.',
      }, // 4
      { prompt: 'Name the capital of France', chosen: 'Paris.', rejected: 'Lyon.' }, // 5
    ];
    const path = join(dir, 'dups.jsonl');
    writeFileSync(path, rows.map((p) => JSON.stringify(p)).join('\n'));
    const { datasetId } = await importFile(s, path, 'dups');
    const ids = (await call(s, 'records.query', { datasetId, filter: {}, offset: 0, limit: 10, sort: 'id' })).rows.map((r) => r.id);
    const found = await call(s, 'datasets.duplicates', { datasetId, threshold: 0.7 });
    expect(found.exact).toBe(1);
    expect(found.near).toBe(1);
    const exact = found.groups.find((g) => g.kind === 'exact')!;
    expect(exact.records.map((r) => r.id)).toEqual([ids[0], ids[1]]);
    const near = found.groups.find((g) => g.kind === 'near')!;
    expect(near.records.map((r) => r.id)).toEqual([ids[0], ids[2]]);
    expect(near.similarity).toBeGreaterThanOrEqual(0.7);
    expect(near.similarity).toBeLessThan(1);

    await call(s, 'records.tag', { datasetId, ids: [ids[1]!], add: ['keep-me'], remove: [] });
    const merged = await call(s, 'records.merge', { keepId: ids[0]!, dropIds: [ids[1]!] });
    expect(merged.tags).toEqual(['keep-me']);
    expect(merged.history.at(-1)?.reason).toMatch(/merged duplicates/);
    expect((await datasetById(s, datasetId)).recordCount).toBe(4);
    expect((await call(s, 'datasets.duplicates', { datasetId, threshold: 0.7 })).exact).toBe(0);
  });

  it('splits deterministically by prompt hash: same seed, same split; a prompt never on both sides', async () => {
    const { s, dir } = open();
    const rows = [...pairs(200), ...pairs(50).map((p) => ({ ...p, chosen: p.chosen + ' (second answer)' }))];
    const path = join(dir, 'split.jsonl');
    writeFileSync(path, rows.map((p) => JSON.stringify(p)).join('\n'));
    const a = await importFile(s, path, 'a');
    const b = await importFile(s, path, 'b');
    const splitOf = async (datasetId: number) =>
      (await call(s, 'records.query', { datasetId, filter: {}, offset: 0, limit: 1000, sort: 'id' })).rows.map(
        (r) => `${r.prompt}|${r.split}`,
      );
    const first = await call(s, 'datasets.split', { datasetId: a.datasetId, testFraction: 0.2, seed: 7 });
    expect(first.train + first.test).toBe(250);
    expect(first.test).toBeGreaterThan(20);
    expect(first.test).toBeLessThan(80);
    expect(first.overlapping).toBe(0);
    await call(s, 'datasets.split', { datasetId: b.datasetId, testFraction: 0.2, seed: 7 });
    expect(await splitOf(b.datasetId)).toEqual(await splitOf(a.datasetId));
    const sides = new Map<string, Set<string>>();
    for (const entry of await splitOf(a.datasetId)) {
      const [prompt, split] = entry.split('|') as [string, string];
      sides.set(prompt, (sides.get(prompt) ?? new Set()).add(split));
    }
    expect([...sides.values()].every((set) => set.size === 1)).toBe(true);
    const other = await call(s, 'datasets.split', { datasetId: b.datasetId, testFraction: 0.2, seed: 8 });
    expect(await splitOf(b.datasetId)).not.toEqual(await splitOf(a.datasetId));
    expect(other.overlapping).toBe(0);
  });
});

describe('snapshots and export', () => {
  it('freezes records: later edits do not change a snapshot, and the database refuses to alter it', async () => {
    const { s, dir, ws } = open();
    const path = join(dir, 's.jsonl');
    writeFileSync(
      path,
      pairs(5)
        .map((p) => JSON.stringify(p))
        .join('\n'),
    );
    const { datasetId } = await importFile(s, path, 's');
    const snap = await call(s, 'snapshots.create', { datasetId, name: 'v1' });
    expect(snap).toMatchObject({ name: 'v1', recordCount: 5 });
    expect(snap.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const again = await call(s, 'snapshots.create', { datasetId });
    expect(again.contentHash).toBe(snap.contentHash);
    const id = (await call(s, 'records.query', { datasetId, filter: {}, offset: 0, limit: 1, sort: 'id' })).rows[0]!.id;
    await call(s, 'records.update', { id, content: { chosen: [{ role: 'assistant', content: 'edited' }] } });
    const changed = await call(s, 'snapshots.create', { datasetId });
    expect(changed.contentHash).not.toBe(snap.contentHash);
    const exported = await call(s, 'datasets.export', { snapshotId: snap.id, format: 'trl-jsonl', path: join(dir, 'v1.jsonl') });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(exported.path, 'utf8')).not.toContain('edited');
    withStores(ws, ({ db }) => {
      expect(() => db.prepare('UPDATE snapshot_records SET content = ? WHERE snapshot_id = ?').run('{}', snap.id)).toThrow(/immutable/);
      expect(() => db.prepare('UPDATE snapshots SET content_hash = ? WHERE id = ?').run('x', snap.id)).toThrow(/immutable/);
    });
    await expect(async () => call(s, 'datasets.delete', { id: datasetId })).rejects.toThrow(/snapshot/);
  });

  it('round-trips import → snapshot → export → import losslessly in every export format', async () => {
    const { s, dir } = open();
    const source = join(dir, 'source.jsonl');
    const rows = [
      {
        prompt: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: 'Weather?' },
        ],
        chosen: [{ role: 'assistant', content: 'Sunny, "warm", and dry,\nwith a breeze.' }],
        rejected: [{ role: 'assistant', content: 'No idea.' }],
      },
      {
        prompt: [{ role: 'user', content: 'Unicode: café, 日本語, emoji 🙂' }],
        chosen: [{ role: 'assistant', content: 'ok, ✓' }],
        rejected: [{ role: 'assistant', content: '' }],
      },
      {
        prompt: [{ role: 'user', content: 'Plain' }],
        chosen: [{ role: 'assistant', content: 'a' }],
        rejected: [{ role: 'assistant', content: 'b' }],
        score_chosen: 8.5,
      },
    ];
    writeFileSync(source, rows.map((r) => JSON.stringify(r)).join('\n'));
    const { datasetId } = await importFile(s, source, 'source');
    await call(s, 'datasets.split', { datasetId, testFraction: 0.3, seed: 1 });
    const snap = await call(s, 'snapshots.create', { datasetId });
    const originalRows = (await call(s, 'records.query', { datasetId, filter: {}, offset: 0, limit: 10, sort: 'id' })).rows;
    const original = await Promise.all(originalRows.map((r) => call(s, 'records.get', { id: r.id })));
    for (const format of ['trl-jsonl', 'trl-conversational', 'csv'] as const) {
      const out = await call(s, 'datasets.export', {
        snapshotId: snap.id,
        format,
        path: join(dir, `out-${format}.${format === 'csv' ? 'csv' : 'jsonl'}`),
      });
      expect(out.count).toBe(3);
      const back = await importFile(s, out.path, `back-${format}`);
      const reimportedRows = (await call(s, 'records.query', { datasetId: back.datasetId, filter: {}, offset: 0, limit: 10, sort: 'id' }))
        .rows;
      const reimported = await Promise.all(reimportedRows.map((r) => call(s, 'records.get', { id: r.id })));
      expect(reimported.map(contentOf), format).toEqual(original.map(contentOf));
      expect(
        reimported.map((r) => r.meta),
        format,
      ).toEqual(original.map((r) => r.meta));
    }
  });
});

describe('errors with codes', () => {
  it('an export the file system refuses answers INVALID_ARGUMENT naming the path (it was an INTERNAL error), leaving no partial file', async () => {
    const { s, dir } = open();
    const path = join(dir, 'e.jsonl');
    writeFileSync(
      path,
      pairs(2)
        .map((p) => JSON.stringify(p))
        .join('\n'),
    );
    const { datasetId } = await importFile(s, path, 'e');
    const { mkdirSync, readdirSync } = await import('node:fs');
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const intoFolder = await s.dispatch('datasets.export', { datasetId, format: 'trl-jsonl', path: folder });
    expect(intoFolder).toEqual({ ok: false, error: { code: 'INVALID_ARGUMENT', message: `${folder} is a folder, not a file.` } });
    expect(readdirSync(dir).filter((name) => name.includes('.partial'))).toEqual([]);
    const underFile = join(path, 'out.jsonl');
    const res = await s.dispatch('datasets.export', { datasetId, format: 'csv', path: underFile });
    expect(res).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: `Cannot write ${underFile}: a part of its folder path is a file, not a folder.` },
    });
  });
});

describe('counting', () => {
  it('counts every record of an unfiltered view and caps only search counts', async () => {
    const { s, ws } = open();
    const dataset = await call(s, 'datasets.create', { name: 'many' });
    // Ten thousand records at once: written beside the studio, as no contract method does.
    withStores(ws, ({ datasets }) =>
      datasets.insertRecords(
        dataset.id,
        null,
        Array.from({ length: 10_050 }, (_, i) => ({
          kind: 'preference' as const,
          prompt: [{ role: 'user', content: `common prompt ${i}` }],
          chosen: [{ role: 'assistant', content: 'yes' }],
          rejected: [{ role: 'assistant', content: 'no' }],
          responses: null,
          system: null,
        })),
      ),
    );
    const all = await call(s, 'records.query', { datasetId: dataset.id, filter: {}, offset: 0, limit: 1, sort: 'id' });
    expect(all).toMatchObject({ total: 10_050, totalCapped: false });
    const searched = await call(s, 'records.query', {
      datasetId: dataset.id,
      filter: { search: 'common' },
      offset: 0,
      limit: 1,
      sort: 'id',
    });
    expect(searched).toMatchObject({ total: 10_000, totalCapped: true });
    const narrow = await call(s, 'records.query', {
      datasetId: dataset.id,
      filter: { search: 'common 42' },
      offset: 0,
      limit: 5,
      sort: 'id',
    });
    expect(narrow).toMatchObject({ total: 1, totalCapped: false });
  });
});
