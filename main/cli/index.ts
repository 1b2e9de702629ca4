import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { createStudio as CreateStudio } from '../core/studio';
import { DB_FILE, resolveWorkspaceDir } from '../core/workspace';
import { StudioError } from '../../shared/result';
import { APP_VERSION } from '../core/version';
import { EXIT, EXIT_CODE_HELP, type Command } from './commands';
import { datasetsCommand, exportCommand, importCommand, snapshotCommand } from './datasets';
import { describeFailure } from './errors';
import { evalCommand } from './evals';
import { compareCommand } from './compare';
import { infoCommand } from './info';
import { jobsCommand } from './jobs';
import { labelCommand } from './label';
import { generateCandidatesCommand } from './generate-candidates';
import { modelCommand } from './model';
import { doctorCommand, generateCommand, scoreCommand } from './engine';
import { processIo, type CliIo } from './output';
import { serveCommand } from './serve';
import { resumeCommand, runsCommand, trainCommand } from './train';
import { exportJobCommand } from './export-job';
import { importRunCommand } from './import-run';
import { experimentsCommand, sweepCommand } from './experiments';

/**
 * Every subcommand; later features add theirs here. Command modules import
 * no tensor code at load time (the engine and tfjs take seconds to load):
 * the commands that compute import it when they run.
 */
export const COMMANDS: Command[] = [
  serveCommand,
  infoCommand,
  jobsCommand,
  importCommand,
  datasetsCommand,
  snapshotCommand,
  exportCommand,
  doctorCommand,
  modelCommand,
  scoreCommand,
  generateCommand,
  trainCommand,
  runsCommand,
  resumeCommand,
  evalCommand,
  compareCommand,
  labelCommand,
  generateCandidatesCommand,
  exportJobCommand,
  importRunCommand,
  sweepCommand,
  experimentsCommand,
];

const GLOBAL_OPTIONS = {
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const usesWorkspace = (command: Command): boolean => command.usesWorkspace !== false;

/** Options of the commands that open a workspace. */
const WORKSPACE_OPTIONS = {
  workspace: { type: 'string' },
  'no-demo': { type: 'boolean', default: false },
} as const;

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const withWorkspace = COMMANDS.filter((c) => usesWorkspace(c)).map((c) => c.name);
  const without = COMMANDS.filter((c) => !usesWorkspace(c)).map((c) => c.name);
  return [
    `Alignment Studio ${APP_VERSION} — command line`,
    '',
    'Usage: studio <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Every command takes --json (machine-readable output) and --verbose (an error's stack, too).",
    `These open a workspace and take --workspace DIR (default: $STUDIO_WORKSPACE, else the app's user-data folder): ${withWorkspace.join(', ')}.`,
    `A workspace they create starts with the demo dataset unless --no-demo or STUDIO_NO_DEMO=1. These use no workspace: ${without.join(', ')}.`,
    'Run `studio <command> --help` for its options.',
    '',
    'Exit codes:',
    ...EXIT_CODE_HELP.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`),
  ].join('\n');
}

/** Whether a workspace this start creates gets the demo dataset. */
function wantsDemo(values: Record<string, unknown>): boolean {
  return !values['no-demo'] && !process.env.STUDIO_NO_DEMO;
}

/**
 * Opens a workspace that does not exist yet once, before the command runs,
 * to seed the demo dataset: whichever command creates a workspace, it starts
 * the same (the command then opens it as usual).
 */
async function createWithDemo(createStudio: typeof CreateStudio, workspaceDir: string): Promise<void> {
  if (existsSync(join(workspaceDir, DB_FILE))) return;
  const studio = createStudio({ workspaceDir, superviseJobs: false });
  try {
    await studio.seedDemo();
  } finally {
    await studio.close();
  }
}

/** Runs the CLI; returns the process exit code. Errors become one clear line (or a JSON object). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? EXIT.ok : EXIT.failed;
  }
  if (name === '--version') {
    io.out(APP_VERSION);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  const wantsJson = rest.includes('--json');
  const verbose = rest.includes('--verbose');
  const fail = (code: string, message: string, exitCode: number = EXIT.failed) => {
    if (wantsJson) io.out(JSON.stringify({ ok: false, error: { code, message } }));
    else io.err(`studio ${name}: ${message}`);
    return exitCode;
  };
  if (!command) return fail('UNKNOWN_COMMAND', `unknown command. Run \`studio --help\` for the list.`);

  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...(usesWorkspace(command) ? WORKSPACE_OPTIONS : {}), ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const message = (err as Error).message;
    if (!usesWorkspace(command) && /'--(workspace|no-demo)'/.test(message))
      return fail('INVALID_ARGUMENT', 'this command uses no workspace, so it takes no --workspace or --no-demo.');
    return fail('INVALID_ARGUMENT', message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.out(`${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  const workspaceDir = resolveWorkspaceDir(values.workspace as string | undefined);
  try {
    let createStudio: typeof CreateStudio | undefined;
    if (usesWorkspace(command)) {
      createStudio = (await import('../core/studio')).createStudio;
      if (wantsDemo(values)) await createWithDemo(createStudio, workspaceDir);
    }
    return await command.run({
      values,
      positionals: parsed.positionals,
      json: Boolean(values.json),
      workspaceDir,
      io,
      openStudio: (supervise = false) => {
        if (!createStudio) throw new Error(`studio ${name} is declared as using no workspace, yet opened one.`);
        // A bug inside the core comes back as INTERNAL; its stack, from where it threw, only with --verbose.
        const onInternalError = (err: unknown) => {
          if (verbose && err instanceof Error && err.stack) io.err(err.stack);
        };
        return createStudio({ workspaceDir, superviseJobs: supervise, onInternalError });
      },
    });
  } catch (err) {
    const failure = describeFailure(err);
    // An INTERNAL answer's stack was printed where it threw, inside the core (onInternalError above).
    if (verbose && err instanceof Error && err.stack && !(err instanceof StudioError && err.code === 'INTERNAL')) io.err(err.stack);
    return fail(
      failure.code,
      failure.internal && !verbose ? `${failure.message} (run again with --verbose for the stack)` : failure.message,
      failure.exitCode,
    );
  }
}
