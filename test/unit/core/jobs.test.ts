import { afterEach, describe, expect, it } from 'vitest';
import { JOB_TRANSITIONS, canTransition, type JobStatus } from '../../../shared/jobs';
import { StudioError } from '../../../shared/result';
import { openWorkspace, type Workspace } from '../../../main/core/workspace';
import { JobStore } from '../../../main/core/jobs/store';
import { tempDir } from '../../helpers/tmp';

let cleanup = () => {};
let ws: Workspace | undefined;
afterEach(() => {
  ws?.close();
  ws = undefined;
  cleanup();
});

function store(ownerPid = 1000, now = () => 1_000_000): JobStore {
  const t = tempDir();
  cleanup = t.cleanup;
  ws = openWorkspace(t.dir);
  return new JobStore(ws.db, ownerPid, now);
}

describe('job lifecycle', () => {
  it('allows exactly the documented transitions', () => {
    const all = Object.keys(JOB_TRANSITIONS) as JobStatus[];
    const allowed = all.flatMap((from) => all.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.sort()).toEqual(
      [
        'queued->running',
        'queued->cancelled',
        'queued->interrupted',
        'queued->paused',
        'running->succeeded',
        'running->failed',
        'running->cancelled',
        'running->interrupted',
        'running->paused',
        'paused->queued',
        'paused->cancelled',
        'failed->queued',
        'cancelled->queued',
        'interrupted->queued',
      ].sort(),
    );
  });

  it('persists a job through queued → running → succeeded with timestamps and result', () => {
    let t = 10;
    const s = store(1000, () => t++);
    const job = s.create({ kind: 'k', title: 'A job', lane: 'light', params: { a: 1 } });
    expect(job).toMatchObject({ status: 'queued', progress: 0, attempt: 1, params: { a: 1 }, startedAt: null });
    const running = s.transition(job.id, 'running');
    expect(running.startedAt).not.toBeNull();
    s.setProgress(job.id, 0.5, 'half');
    expect(s.get(job.id)).toMatchObject({ progress: 0.5, progressMessage: 'half' });
    const done = s.transition(job.id, 'succeeded', { result: { n: 2 } });
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, result: { n: 2 } });
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt ?? Infinity);
  });

  it('replaces the last progress note with one that matches how the job ended', () => {
    const s = store();
    const ended = (to: 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'paused', error?: { code: string; message: string }) => {
      const job = s.create({ kind: 'k', title: 't', lane: 'light', params: null });
      s.transition(job.id, 'running');
      s.setProgress(job.id, 1, 'Exporting the trained model');
      return s.transition(job.id, to, error ? { error } : {});
    };
    expect(ended('succeeded').progressMessage).toBe('Finished.');
    expect(ended('failed', { code: 'JOB_FAILED', message: 'boom' }).progressMessage).toBe('Failed.');
    expect(ended('cancelled', { code: 'CANCELLED', message: 'Cancelled.' }).progressMessage).toBe('Cancelled.');
    expect(ended('interrupted', { code: 'INTERRUPTED', message: 'gone' }).progressMessage).toBe('Interrupted.');
    const paused = ended('paused', { code: 'PAUSED', message: 'Paused at step 3 of 30.' });
    expect(paused).toMatchObject({ status: 'paused', progressMessage: 'Paused.' });
    // A paused run cancelled for good says so.
    const cancelled = s.transition(paused.id, 'cancelled', { error: { code: 'CANCELLED', message: 'Cancelled while paused at step 3.' } });
    expect(cancelled).toMatchObject({ status: 'cancelled', progressMessage: 'Cancelled.' });
    // A retry starts with no note; an explicit final note is kept.
    expect(s.transition(paused.id, 'queued').progressMessage).toBeNull();
    s.transition(paused.id, 'running');
    expect(s.transition(paused.id, 'succeeded', { progressMessage: 'Imported 12 records.' }).progressMessage).toBe('Imported 12 records.');
  });

  it('refuses an illegal transition with CONFLICT and leaves the job unchanged', () => {
    const s = store();
    const job = s.create({ kind: 'k', title: 't', lane: 'light', params: null });
    s.transition(job.id, 'running');
    s.transition(job.id, 'succeeded');
    expect(() => s.transition(job.id, 'running')).toThrowError(StudioError);
    expect(s.get(job.id).status).toBe('succeeded');
  });

  it('retry makes a fresh attempt: progress, error and result cleared', () => {
    const s = store();
    const job = s.create({ kind: 'k', title: 't', lane: 'light', params: null });
    s.transition(job.id, 'running');
    s.setProgress(job.id, 0.4, 'x');
    s.transition(job.id, 'failed', { error: { code: 'E', message: 'bad' } });
    const again = s.transition(job.id, 'queued');
    expect(again).toMatchObject({ status: 'queued', attempt: 2, progress: 0, error: null, result: null, startedAt: null });
  });

  it('numbers log lines per job and reads them after a sequence number', () => {
    const s = store();
    const a = s.create({ kind: 'k', title: 'a', lane: 'light', params: null });
    const b = s.create({ kind: 'k', title: 'b', lane: 'light', params: null });
    s.appendLog(a.id, 'info', 'one');
    s.appendLog(b.id, 'info', 'other');
    s.appendLog(a.id, 'warn', 'two');
    expect(s.logs(a.id).map((l) => [l.seq, l.level, l.message])).toEqual([
      [1, 'info', 'one'],
      [2, 'warn', 'two'],
    ]);
    expect(s.logs(a.id, 1).map((l) => l.message)).toEqual(['two']);
    s.appendLog(a.id, 'info', 'three');
    expect(s.tailLogs(a.id, 2).map((l) => l.message)).toEqual(['two', 'three']);
    expect(s.tailLogs(a.id, 10).map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(() => s.logs(999)).toThrowError(/no job #999/);
  });

  it('recovery: interrupts running jobs of dead owners, leaves live owners alone, adopts queued jobs', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    ws = openWorkspace(t.dir);
    let now = 100_000;
    const dead = new JobStore(ws.db, 111, () => now);
    const live = new JobStore(ws.db, 222, () => now);
    const deadRunning = dead.create({ kind: 'k', title: 'dead', lane: 'light', params: null });
    dead.transition(deadRunning.id, 'running');
    const deadQueued = dead.create({ kind: 'k', title: 'queued', lane: 'light', params: null });
    const liveRunning = live.create({ kind: 'k', title: 'live', lane: 'light', params: null });
    live.transition(liveRunning.id, 'running');
    const liveStale = live.create({ kind: 'k', title: 'live but silent', lane: 'light', params: null });
    live.transition(liveStale.id, 'running');
    now += 5_000;
    live.heartbeat([liveRunning.id]);
    now += 27_000; // liveStale's last beat is 32 s old, liveRunning's 27 s

    const me = new JobStore(ws.db, 333, () => now);
    const report = me.recover((pid) => pid === 222, 30_000);
    expect(report.interrupted.map((j) => j.id).sort()).toEqual([deadRunning.id, liveStale.id].sort());
    expect(me.get(deadRunning.id)).toMatchObject({ status: 'interrupted', error: { code: 'INTERRUPTED' } });
    expect(me.get(deadRunning.id).error?.message).toMatch(/pid 111/);
    expect(me.get(liveRunning.id).status).toBe('running');
    expect(report.adopted.map((j) => j.id)).toEqual([deadQueued.id]);
    expect(me.queued().map((j) => j.id)).toEqual([deadQueued.id]);
  });
});
