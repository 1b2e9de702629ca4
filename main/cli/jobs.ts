import { call } from '../core/client';
import type { Command } from './commands';
import { table } from './output';

export const jobsCommand: Command = {
  name: 'jobs',
  usage: 'studio jobs [--limit N] [--workspace DIR] [--json]',
  summary: 'List jobs, newest first, with status, progress and why queued jobs wait.',
  options: { limit: { type: 'string', default: '50' } },
  async run(ctx) {
    const studio = ctx.openStudio(false);
    try {
      const jobs = await call(studio, 'jobs.list', { limit: Math.max(1, Math.min(500, Number(ctx.values.limit) || 50)) });
      if (ctx.json) ctx.io.out(JSON.stringify(jobs));
      else if (jobs.length === 0) ctx.io.out('No jobs yet.');
      else
        ctx.io.out(
          table(
            ['id', 'status', 'progress', 'title', 'note'],
            jobs.map((j) => [
              String(j.id),
              j.status,
              `${Math.round(j.progress * 100)}%`,
              j.title,
              j.error?.message ?? j.queueReason ?? j.progressMessage ?? '',
            ]),
          ),
        );
      return 0;
    } finally {
      await studio.close();
    }
  },
};
