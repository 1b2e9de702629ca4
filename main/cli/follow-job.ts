import type { Job } from '../../shared/jobs';
import { jobSettled } from '../core/client';
import type { Studio } from '../core/studio';
import type { CommandContext } from './commands';

/**
 * Waits until a job settles and resolves with it, showing it on stderr unless
 * --json: its title and id, then its progress as one line rewritten on a
 * terminal, and with `logs` its log lines (info and above) as they come.
 */
export async function followJobToEnd(ctx: CommandContext, studio: Studio, job: Job, options: { logs?: boolean } = {}): Promise<Job> {
  if (ctx.json) return jobSettled(studio, job.id);
  ctx.io.err(`${job.title} (job #${job.id})`);
  const clearLine = () => {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  };
  let last = '';
  const offProgress = studio.events.subscribe((e) => {
    if (e.type !== 'job.updated' || e.job.id !== job.id || e.job.status !== 'running') return;
    const line = `${Math.round(e.job.progress * 100)}% ${e.job.progressMessage ?? ''}`;
    if (line === last) return;
    last = line;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
  });
  const offLogs = options.logs
    ? studio.events.subscribe((e) => {
        if (e.type === 'job.log' && e.line.jobId === job.id && e.line.level !== 'debug') {
          clearLine();
          ctx.io.err(`  ${e.line.message}`);
        }
      })
    : () => {};
  try {
    return await jobSettled(studio, job.id);
  } finally {
    offProgress();
    offLogs();
    clearLine();
  }
}
