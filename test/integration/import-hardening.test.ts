// Imports keep every good row and never hang (issue 12, items 3–7), through
// the real import path: the contract's handlers, the import job on a real
// workspace database, and the `studio` CLI as a real process.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { recoverImports } from '../../main/core/datasets/imports';
import { createStudio, type Studio } from '../../main/core/studio';
import type { Job } from '../../shared/jobs';
import { StudioError } from '../../shared/result';
import { REPO_ROOT, STUDIO_BIN } from '../helpers/serve';
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

/** The CLI as a user runs it, on a workspace without the demo dataset (so "no dataset" means none). */
const cliEnv = { ...process.env, STUDIO_NO_DEMO: '1' };
const row = (prompt: string) => JSON.stringify({ prompt, chosen: `answer to ${prompt}`, rejected: 'no' });
const datasetNames = async (s: Studio) => (await call(s, 'datasets.list', {})).map((d) => d.name);

async function importInto(s: Studio, path: string, target: { datasetName: string } | { datasetId: number }): Promise<Job> {
  const job = await call(s, 'datasets.import', { path, ...target });
  return jobSettled(s, job.id);
}

async function reportOf(s: Studio, job: Job) {
  expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
  const { importId } = job.result as { importId: number };
  return call(s, 'datasets.importReport', { id: importId, errorsOffset: 0, errorsLimit: 100 });
}

/** The error a call ends with, whether it throws at once or rejects later. */
async function refusal(attempt: () => unknown): Promise<StudioError> {
  const error = await Promise.resolve()
    .then(attempt)
    .then(
      () => null,
      (err: unknown) => err,
    );
  expect(error).toBeInstanceOf(StudioError);
  return error as StudioError;
}

describe('bad rows cost only themselves (items 3, 4, 6)', () => {
  it('a row nested 100k deep is one rejected row with its line; every other row imports', async () => {
    const { s, dir } = open();
    const path = join(dir, 'deep.jsonl');
    const deep = `{"prompt": ${'['.repeat(100_000)}${']'.repeat(100_000)}, "chosen": "a", "rejected": "b"}`;
    writeFileSync(path, [row('one'), row('two'), deep, row('four')].join('\n'));
    const report = await reportOf(s, await importInto(s, path, { datasetName: 'deep' }));
    expect(report).toMatchObject({ status: 'done', rowsSeen: 4, imported: 3, rejected: 1 });
    expect(report.errors).toEqual([expect.objectContaining({ line: 3, row: 3, code: 'too-deep', severity: 'error' })]);
  });

  it('a NUL byte rejects only its row; a gzip file is refused whole, saying so', async () => {
    const { s, dir } = open();
    const path = join(dir, 'nul.jsonl');
    writeFileSync(path, [row('one'), `${row('two').slice(0, -1)}\u0000}`, row('three')].join('\n'));
    const report = await reportOf(s, await importInto(s, path, { datasetName: 'nul' }));
    expect(report).toMatchObject({ imported: 2, rejected: 1 });
    expect(report.errors).toEqual([expect.objectContaining({ line: 2, code: 'nul-byte' })]);

    const gz = join(dir, 'pairs.jsonl.gz');
    writeFileSync(gz, gzipSync(row('one')));
    const job = await importInto(s, gz, { datasetName: 'gz' });
    expect(job.status).toBe('failed');
    expect(job.error!.message).toMatch(/looks like a gzip archive\. Decompress it \(gunzip\)/);
  });

  it('JSON Lines named .csv imports every row, with a note in the report', async () => {
    const { s, dir } = open();
    const path = join(dir, 'pairs.csv');
    writeFileSync(path, [row('one'), row('two'), row('three')].join('\n'));
    const report = await reportOf(s, await importInto(s, path, { datasetName: 'misnamed' }));
    expect(report).toMatchObject({ imported: 3, rejected: 0, warnings: 1, format: 'trl-standard' });
    expect(report.errors).toEqual([expect.objectContaining({ code: 'container-mismatch', severity: 'warning', line: null })]);
    expect(report.errors[0]!.reason).toMatch(/pairs\.csv is named as CSV but holds JSON Lines, so it was read as JSON Lines/);
  });
});

describe('no import can hang (item 5)', () => {
  const unix = process.platform !== 'win32';

  it.runIf(unix)('a FIFO and /dev/zero are refused up front: no job, no dataset', { timeout: 30_000 }, async () => {
    const { s, dir } = open();
    const fifo = join(dir, 'pipe.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const [path, kind] of [
      [fifo, 'a named pipe \\(FIFO\\)'],
      ['/dev/zero', 'a character device'],
    ] as const) {
      const error = await refusal(() => call(s, 'datasets.import', { path, datasetName: 'never' }));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(new RegExp(`^${path} is ${kind}, not a regular file; only files saved on disk can be imported`));
      const preview = await refusal(() => call(s, 'datasets.preview', { path }));
      expect(preview.message).toMatch(/not a regular file/);
    }
    expect(await datasetNames(s)).toEqual([]);
    expect(await call(s, 'jobs.list', { limit: 10 })).toEqual([]);
  });

  it.runIf(unix)('the import job itself refuses them too, and ends (failed), leaving no dataset', { timeout: 30_000 }, async () => {
    const { s, dir, ws } = open();
    const fifo = join(dir, 'pipe.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const path of [fifo, '/dev/zero']) {
      // datasets.import refuses these up front; an import job queued earlier (here: one that failed, retried) must refuse them itself.
      const earlier = withStores(ws, ({ jobs }) => {
        const job = jobs.create({ kind: 'dataset-import', title: 'earlier', lane: 'io', params: { path, datasetName: 'never' } });
        jobs.transition(job.id, 'running');
        return jobs.transition(job.id, 'failed', { error: { code: 'JOB_FAILED', message: 'the file was a regular one then' } });
      });
      const job = await jobSettled(s, (await call(s, 'jobs.retry', { id: earlier.id })).id);
      expect(job.status).toBe('failed');
      expect(job.error!.message).toMatch(/not a regular file/);
    }
    expect(await datasetNames(s)).toEqual([]);
  });

  it('a file over the size cap is refused, naming the cap and how to raise it', async () => {
    const { s, dir } = open();
    const path = join(dir, 'big.jsonl');
    writeFileSync(path, [row('one'), row('two')].join('\n'));
    process.env.STUDIO_IMPORT_MAX_BYTES = '64';
    try {
      const error = await refusal(() => call(s, 'datasets.import', { path, datasetName: 'big' }));
      expect(error.message).toMatch(
        /big\.jsonl is \d+ bytes, over the import limit of 64 bytes; split it, or raise the limit with STUDIO_IMPORT_MAX_BYTES\.$/,
      );
    } finally {
      delete process.env.STUDIO_IMPORT_MAX_BYTES;
    }
    expect((await reportOf(s, await importInto(s, path, { datasetName: 'big' }))).imported).toBe(2);
  });

  it.runIf(unix)('studio import /dev/zero and a FIFO exit at once with one clear sentence', { timeout: 120_000 }, () => {
    const t = tempDir();
    try {
      const fifo = join(t.dir, 'pipe.csv');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      for (const [path, kind] of [
        ['/dev/zero', 'a character device'],
        [fifo, 'a named pipe (FIFO)'],
      ] as const) {
        const res = spawnSync(process.execPath, [STUDIO_BIN, 'import', path, '--workspace', join(t.dir, 'ws')], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 50_000,
          env: cliEnv,
        });
        expect(res.signal, 'the CLI hung').toBeNull();
        expect(res.status).toBe(1);
        expect(res.stderr).toContain(`${path} is ${kind}, not a regular file`);
      }
    } finally {
      t.cleanup();
    }
  });
});

describe('an import that reads nothing leaves no empty dataset (item 7)', () => {
  it('an empty file or one whose every row is bad: the dataset it would have created is not kept; the job carries the report', async () => {
    const { s, dir, ws } = open();
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const emptyJob = await importInto(s, empty, { datasetName: 'empty' });
    expect(emptyJob.status).toBe('failed');
    expect(emptyJob.error!.message).toBe(
      'Nothing was imported from empty.jsonl, so no dataset "empty" was created. The file is empty: there are no rows to import.',
    );

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, ['{"prompt": "cut', '[1, 2]', '"just text"'].join('\n') + '\n');
    const badJob = await importInto(s, bad, { datasetName: 'bad' });
    expect(badJob.status).toBe('failed');
    expect(badJob.error!.message).toMatch(
      /^Nothing was imported from bad\.jsonl, so no dataset "bad" was created\. All 3 rows were rejected \(the first: Line 1 is not valid JSON/,
    );
    const details = (
      badJob.error!.details as {
        nothingImported: { rowsSeen: number; rejected: number; errors: { line: number | null; raw: string | null }[] };
      }
    ).nothingImported;
    expect(details).toMatchObject({ rowsSeen: 3, rejected: 3 });
    expect(details.errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(details.errors[0]!.raw).toBe('{"prompt": "cut');

    expect(await datasetNames(s)).toEqual([]);
    expect(withStores(ws, ({ db }) => db.prepare('SELECT count(*) FROM imports').pluck().get())).toBe(0);
  });

  it('importing nothing into an existing dataset leaves it as it was, with the report kept on it', async () => {
    const { s, dir } = open();
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, [row('one'), row('two')].join('\n'));
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n\n');

    const kept = await call(s, 'datasets.create', { name: 'kept' });
    const intoEmpty = await reportOf(s, await importInto(s, empty, { datasetId: kept.id }));
    expect(intoEmpty).toMatchObject({ datasetId: kept.id, imported: 0 });
    expect(intoEmpty.errors[0]!.reason).toMatch(/only blank space/);

    const filled = await reportOf(s, await importInto(s, good, { datasetName: 'filled' }));
    const again = await reportOf(s, await importInto(s, empty, { datasetName: 'filled' }));
    expect(again.datasetId).toBe(filled.datasetId);
    expect((await datasetNames(s)).sort()).toEqual(['filled', 'kept']);
    expect((await datasetById(s, filled.datasetId)).recordCount).toBe(2);
    expect((await call(s, 'datasets.imports', { datasetId: filled.datasetId })).map((r) => r.imported)).toEqual([0, 2]);
  });

  it('studio import of an empty file prints the report, exits 2 and leaves no dataset', { timeout: 120_000 }, () => {
    const t = tempDir();
    try {
      const empty = join(t.dir, 'nothing.jsonl');
      writeFileSync(empty, '');
      const ws = join(t.dir, 'ws');
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [STUDIO_BIN, ...args, '--workspace', ws], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          timeout: 50_000,
          env: cliEnv,
        });
      const res = run('import', empty);
      expect(res.status, res.stderr).toBe(2);
      expect(res.stdout).toMatch(/^Nothing was imported from nothing\.jsonl, so no dataset "nothing" was created\./);
      expect(res.stdout).toMatch(/error\s+nothing\.jsonl\s+The file is empty/);
      const json = run('import', empty, '--json');
      expect(json.status).toBe(2);
      expect(JSON.parse(json.stdout)).toMatchObject({
        dataset: null,
        datasetName: 'nothing',
        rowsSeen: 0,
        imported: 0,
        errors: [expect.objectContaining({ code: 'empty-file' })],
      });
      expect(JSON.parse(run('datasets', '--json').stdout)).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  it('a dataset an import created is removed with it when the studio died mid-import', async () => {
    const { s, ws } = open();
    const recovered = withStores(ws, ({ db, jobs, datasets }) => {
      // What a killed import leaves: its dataset (created by it, so marked), its running row and some records.
      const job = jobs.create({ kind: 'dataset-import', title: 'x', lane: 'io', params: {} });
      jobs.transition(job.id, 'running');
      jobs.transition(job.id, 'interrupted');
      const dataset = datasets.createDataset('half');
      const importId = Number(
        db
          .prepare(
            `INSERT INTO imports (dataset_id, job_id, file, status, stats, created_at) VALUES (?, ?, 'half.jsonl', 'running', '{"createdDataset":true}', 0)`,
          )
          .run(dataset.id, job.id).lastInsertRowid,
      );
      datasets.insertRecords(dataset.id, importId, [
        {
          kind: 'preference',
          prompt: [{ role: 'user', content: 'q' }],
          chosen: [{ role: 'assistant', content: 'a' }],
          rejected: [{ role: 'assistant', content: 'b' }],
          responses: null,
          system: null,
        },
      ]);
      return recoverImports(db);
    });
    expect(recovered).toBe(1);
    expect(await datasetNames(s)).toEqual([]);
  });

  it('a cancelled import into a new dataset leaves no dataset behind', { timeout: 60_000 }, async () => {
    const { s, dir } = open();
    const path = join(dir, 'many.jsonl');
    writeFileSync(path, Array.from({ length: 30_000 }, (_, i) => row(`question ${i}`)).join('\n'));
    const started = await call(s, 'datasets.import', { path, datasetName: 'many' });
    // Cancel once the first batch is stored, so there is something to roll back.
    await new Promise<void>((resolve) => {
      const off = s.events.subscribe((e) => {
        if (e.type === 'job.updated' && e.job.id === started.id && e.job.progress > 0) {
          off();
          resolve();
        }
      });
    });
    await call(s, 'jobs.cancel', { id: started.id });
    const job = await jobSettled(s, started.id);
    expect(job.status).toBe('cancelled');
    expect(await datasetNames(s)).toEqual([]);
  });
});
