import { call } from '../core/client';
import type { Command } from './commands';
import { formatBytes, keyValues } from './output';

export const infoCommand: Command = {
  name: 'info',
  usage: 'studio info [--workspace DIR] [--json]',
  summary: 'Workspace path, schema version, size, backend and counts.',
  options: {},
  async run(ctx) {
    const studio = ctx.openStudio(false);
    try {
      const info = await call(studio, 'workspace.info', {});
      if (ctx.json) ctx.io.out(JSON.stringify(info));
      else
        ctx.io.out(
          keyValues([
            ['workspace', info.path],
            ['database', info.dbPath],
            ['artifacts', info.artifactsPath],
            ['size', formatBytes(info.sizeBytes)],
            ['schema version', String(info.schemaVersion)],
            ['studio version', info.appVersion],
            ['backend', `${info.backend.name} — ${info.backend.detail}`],
            ...Object.entries(info.counts).map(([k, v]): [string, string] => [k, String(v)]),
          ]),
        );
      return 0;
    } finally {
      await studio.close();
    }
  },
};
