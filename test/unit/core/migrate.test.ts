import { describe, expect, it } from 'vitest';
import type { Db } from '../../../main/core/db/open';
import { latestSchemaVersion, migrate, schemaVersion } from '../../../main/core/db/migrate';
import { MIGRATIONS, type Migration } from '../../../main/core/db/migrations';
import { StudioError } from '../../../shared/result';
import { freshDbEachTest } from '../../helpers/db';

const freshDb = freshDbEachTest();

/** The schema as SQLite reports it, normalised for a stable snapshot. */
function schemaOf(db: Db): string {
  const rows = db
    .prepare<[], { type: string; name: string; sql: string | null }>(
      `SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`,
    )
    .all();
  return rows.map((r) => `-- ${r.type} ${r.name}\n${(r.sql ?? '').replace(/\s+/g, ' ').trim()}`).join('\n');
}

describe('migration runner', () => {
  it('migrates an empty database to the latest version, matching the schema snapshot', () => {
    const d = freshDb();
    const report = migrate(d);
    expect(report.from).toBe(0);
    expect(report.to).toBe(latestSchemaVersion());
    expect(schemaVersion(d)).toBe(latestSchemaVersion());
    expect(schemaOf(d)).toMatchSnapshot();
  });

  it('is idempotent: a second run applies nothing', () => {
    const d = freshDb();
    migrate(d);
    expect(migrate(d).applied).toEqual([]);
  });

  it('sets WAL, foreign keys and STRICT tables', () => {
    const d = freshDb();
    migrate(d);
    expect(d.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(d.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = d
      .prepare<[], { name: string; strict: number }>(
        `SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'`,
      )
      .all();
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) expect(t, t.name).toMatchObject({ strict: 1 });
  });

  it('refuses a database written by a newer studio, changing nothing', () => {
    const d = freshDb();
    migrate(d);
    d.pragma(`user_version = ${latestSchemaVersion() + 1}`);
    const before = schemaOf(d);
    let caught: unknown;
    try {
      migrate(d);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StudioError);
    expect((caught as StudioError).code).toBe('WORKSPACE_TOO_NEW');
    expect((caught as StudioError).message).toMatch(/newer Alignment Studio/);
    expect(schemaOf(d)).toBe(before);
  });

  it('rolls a failing step back whole, keeping the previous version', () => {
    const d = freshDb();
    const steps: Migration[] = [
      { version: 1, name: 'one', up: (db) => db.exec('CREATE TABLE a (x INTEGER) STRICT') },
      {
        version: 2,
        name: 'two',
        up: (db) => {
          db.exec('CREATE TABLE b (x INTEGER) STRICT');
          throw new Error('disk on fire');
        },
      },
    ];
    expect(() => migrate(d, steps)).toThrow('disk on fire');
    expect(schemaVersion(d)).toBe(1);
    const names = d.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all();
    expect(names).toContain('a');
    expect(names).not.toContain('b');
  });

  it('0004 turns jobs stopped by a pause (cancelled + PAUSED) into paused jobs, keeping their logs and references', () => {
    const d = freshDb();
    migrate(d, MIGRATIONS.slice(0, 3));
    const job = d.prepare(
      `INSERT INTO jobs (kind, title, status, lane, params, progress_message, error, created_at) VALUES (?, ?, ?, 'device', '{}', ?, ?, 1) RETURNING id`,
    );
    const id = (status: string, error: object | null, note: string | null) =>
      (job.get('train', 'Train: a run', status, note, error === null ? null : JSON.stringify(error)) as { id: number }).id;
    const paused = id(
      'cancelled',
      { code: 'PAUSED', message: 'Paused at step 3 of 30; resume continues from this checkpoint.' },
      'Paused.',
    );
    const cancelledWhilePaused = id('cancelled', { code: 'CANCELLED', message: 'Cancelled while paused at step 3.' }, 'Cancelled.');
    const interrupted = id('interrupted', { code: 'INTERRUPTED', message: 'gone' }, 'Interrupted.');
    const done = id('succeeded', null, 'Finished.');
    d.prepare(`INSERT INTO job_logs (job_id, seq, at, level, message) VALUES (?, 1, 1, 'info', 'Paused at step 3.')`).run(paused);
    d.prepare(`INSERT INTO datasets (name, created_at, updated_at) VALUES ('d', 1, 1)`).run();
    d.prepare(`INSERT INTO imports (dataset_id, job_id, file, status, created_at) VALUES (1, ?, 'f.jsonl', 'done', 1)`).run(done);

    // 0004 first, then any later steps.
    expect(migrate(d).applied[0]).toBe('0004-paused-jobs');
    const rows = d
      .prepare<[], { id: number; status: string; error: string | null; progress_message: string | null }>(
        'SELECT id, status, error, progress_message FROM jobs ORDER BY id',
      )
      .all();
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      [paused, 'paused'],
      [cancelledWhilePaused, 'cancelled'],
      [interrupted, 'interrupted'],
      [done, 'succeeded'],
    ]);
    expect(JSON.parse(rows[0]!.error!)).toMatchObject({
      code: 'PAUSED',
      message: expect.stringMatching(/^Paused at step 3 of 30/) as unknown,
    });
    expect(rows[0]!.progress_message).toBe('Paused.');
    // Dropping the old table neither cascaded into the logs nor unlinked the import, and foreign keys are back on.
    expect(d.prepare('SELECT message FROM job_logs WHERE job_id = ?').pluck().all(paused)).toEqual(['Paused at step 3.']);
    expect(d.prepare('SELECT job_id FROM imports').pluck().get()).toBe(done);
    expect(d.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(d.pragma('foreign_key_check')).toEqual([]);
    expect(() => d.prepare(`UPDATE jobs SET status = 'paused' WHERE id = ?`).run(done)).not.toThrow();
    expect(() => d.prepare(`UPDATE jobs SET status = 'resting' WHERE id = ?`).run(done)).toThrow(/CHECK constraint/);
  });
});
