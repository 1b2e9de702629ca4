import { parseArgs } from 'node:util';
import { StudioError } from '../../shared/result';
import { createStudio } from '../core/studio';
import { resolveWorkspaceDir } from '../core/workspace';
import { APP_VERSION } from '../core/version';
import { CliError, type Command } from './commands';
import { datasetsCommand, exportCommand, importCommand, snapshotCommand } from './datasets';
import { infoCommand } from './info';
import { jobsCommand } from './jobs';
import { modelCommand } from './model';
import { doctorCommand, generateCommand, scoreCommand } from './engine';
import { processIo, type CliIo } from './output';
import { serveCommand } from './serve';
import { resumeCommand, runsCommand, trainCommand } from './train';

/** Every subcommand; later features add theirs here. */
export const COMMANDS: Command[] = [serveCommand, infoCommand, jobsCommand, importCommand, datasetsCommand, snapshotCommand, exportCommand, doctorCommand, modelCommand, scoreCommand, generateCommand, trainCommand, runsCommand, resumeCommand];

const GLOBAL_OPTIONS = {
  workspace: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `Alignment Studio ${APP_VERSION} — command line`,
    '',
    'Usage: studio <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --workspace DIR (default: $STUDIO_WORKSPACE, else the app\'s user-data folder) and --json.',
    'Run `studio <command> --help` for its options.',
  ].join('\n');
}

/** Runs the CLI; returns the process exit code. Errors become one clear line (or a JSON object). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 1;
  }
  if (name === '--version') {
    io.out(APP_VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  const wantsJson = rest.includes('--json');
  const fail = (code: string, message: string, exitCode = 1) => {
    if (wantsJson) io.out(JSON.stringify({ ok: false, error: { code, message } }));
    else io.err(`studio ${name}: ${message}`);
    return exitCode;
  };
  if (!command) return fail('UNKNOWN_COMMAND', `unknown command. Run \`studio --help\` for the list.`);

  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    return fail('INVALID_ARGUMENT', (err as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.out(`${command.usage}\n\n${command.summary}`);
    return 0;
  }
  const workspaceDir = resolveWorkspaceDir(values.workspace as string | undefined);
  try {
    return await command.run({
      values,
      positionals: parsed.positionals,
      json: Boolean(values.json),
      workspaceDir,
      io,
      openStudio: (supervise = false) => createStudio({ workspaceDir, superviseJobs: supervise }),
    });
  } catch (err) {
    if (err instanceof CliError) return fail(err.code, err.message, err.exitCode);
    if (err instanceof StudioError) return fail(err.code, err.message);
    return fail('INTERNAL', err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
}
