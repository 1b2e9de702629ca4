import type { ParseArgsConfig } from 'node:util';
import type { Studio } from '../core/studio';
import type { CliIo } from './output';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  /** Parsed options of the subcommand (strings and booleans). */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  json: boolean;
  workspaceDir: string;
  io: CliIo;
  /** Opens the workspace's core; `supervise` resumes its jobs (long-running commands). */
  openStudio(supervise?: boolean): Studio;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** False for commands that open no workspace: they take no --workspace DIR or --no-demo (the others do). */
  usesWorkspace?: false;
  options: OptionSpec;
  run(ctx: CommandContext): Promise<number>;
}

/** The `studio` exit codes, one per kind of failure, so scripts can tell them apart (listed in `studio --help` and the README). */
export const EXIT = {
  ok: 0,
  /** Bad arguments, or a request the studio refused (not found, conflict, a failed job). */
  failed: 1,
  /** `studio import`: not a single row could be read. */
  nothingImported: 2,
  /** The model folder cannot be used: config.json, the weights or the tokenizer are missing or broken. */
  badModel: 3,
  /** The work does not fit this machine: out of memory, or no tensor backend. */
  noResources: 4,
  /** A bug in the studio (the stack is printed with --verbose). */
  internal: 5,
  /** Stopped by a second Ctrl-C. */
  interrupted: 130,
} as const;

export const EXIT_CODE_HELP: [number, string][] = [
  [EXIT.ok, 'done'],
  [EXIT.failed, 'bad arguments, or the studio refused the request (the message says why)'],
  [EXIT.nothingImported, 'studio import: not a single row could be read'],
  [EXIT.badModel, 'the model folder is unusable (config.json, weights or tokenizer missing or broken)'],
  [EXIT.noResources, 'out of memory, or no tensor backend for the work'],
  [EXIT.internal, 'internal error, a bug: run again with --verbose and report the stack'],
  [EXIT.interrupted, 'stopped by a second Ctrl-C'],
];

/** A failure the user can act on: printed as one sentence (or JSON), exit code 1 unless told. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 'INVALID_ARGUMENT',
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}
