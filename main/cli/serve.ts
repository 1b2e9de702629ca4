import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isLoopback } from '../server/security';
import { startServer } from '../server/http';
import { CliError, type Command } from './commands';

export function defaultRendererDir(): string {
  return process.env.STUDIO_RENDERER_DIR ?? fileURLToPath(new URL('../../dist/renderer', import.meta.url));
}

export const serveCommand: Command = {
  name: 'serve',
  usage: 'studio serve [--port N] [--host ADDR] [--no-demo] [--workspace DIR] [--json]',
  summary: 'Serve the studio as a local web app; prints a URL with a fresh access token.',
  options: {
    port: { type: 'string', default: process.env.STUDIO_PORT ?? '7860' },
    host: { type: 'string', default: '127.0.0.1' },
  },
  async run(ctx) {
    const port = Number(ctx.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new CliError(`--port must be a number from 0 to 65535, not "${ctx.values.port}".`);
    const host = String(ctx.values.host);
    const rendererDir = defaultRendererDir();
    if (!existsSync(rendererDir))
      ctx.io.err(`Note: the UI is not built (${rendererDir} is missing); run \`npm run build\`. The API works meanwhile.`);
    const studio = ctx.openStudio(true);
    if (!ctx.values['no-demo'] && !process.env.STUDIO_NO_DEMO) await studio.seedDemo();
    let server;
    try {
      server = await startServer({
        studio,
        host,
        port,
        rendererDir,
        ...(process.env.STUDIO_TOKEN ? { token: process.env.STUDIO_TOKEN } : {}),
      });
    } catch (err) {
      await studio.close();
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CliError(`Port ${port} is already in use; choose another with --port (0 picks a free one).`, 'CONFLICT');
      }
      throw err;
    }
    if (ctx.json) {
      ctx.io.out(
        JSON.stringify({ url: server.url, host: server.host, port: server.port, token: server.token, workspace: ctx.workspaceDir }),
      );
    } else {
      ctx.io.out(`Alignment Studio is serving workspace ${ctx.workspaceDir}`);
      ctx.io.out(`Open: ${server.url}`);
      if (!isLoopback(host))
        ctx.io.err(`Warning: listening on ${host}, reachable from other machines; anyone with the URL's token can use this studio.`);
      ctx.io.out('Press Ctrl+C to stop.');
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    // A running training run checkpoints and pauses (up to 15 s): stopping the server loses no steps.
    await studio.close({ pauseGraceMs: 15_000 });
    return 0;
  },
};
