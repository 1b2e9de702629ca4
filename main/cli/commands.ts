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
  options: OptionSpec;
  run(ctx: CommandContext): Promise<number>;
}

/** A failure the user can act on: printed as one sentence (or JSON), exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 'INVALID_ARGUMENT',
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
