/**
 * The CLI's promises about itself: which commands take --workspace (the help
 * says which, and the others refuse it), and how each kind of failure is
 * reported (a code, one sentence, an exit code of its own).
 */
import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../../../main/cli/commands';
import { describeFailure, inModelFolder } from '../../../main/cli/errors';
import { COMMANDS, main, usage, usesWorkspace } from '../../../main/cli/index';
import { EngineError } from '../../../main/engine/errors';
import { ConfigError } from '../../../main/engine/hf/config';
import { SafetensorsError } from '../../../main/engine/safetensors';
import { StudioError } from '../../../shared/result';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe('--workspace in the help', () => {
  it("every command's usage lists --workspace exactly when it opens a workspace", () => {
    for (const command of COMMANDS) expect(command.usage.includes('--workspace DIR'), command.name).toBe(usesWorkspace(command));
    expect(COMMANDS.filter((c) => !usesWorkspace(c)).map((c) => c.name)).toEqual(['doctor', 'model', 'score', 'generate']);
  });

  it('the global help names the commands that take --workspace and those that do not', () => {
    const text = usage();
    const takes = /take --workspace DIR \(.*?\): ([^.]+)\./.exec(text)?.[1]?.split(', ');
    const without = /use no workspace: ([^.]+)\./.exec(text)?.[1]?.split(', ');
    expect(takes).toEqual(COMMANDS.filter(usesWorkspace).map((c) => c.name));
    expect(without).toEqual(COMMANDS.filter((c) => !usesWorkspace(c)).map((c) => c.name));
    expect(text).not.toMatch(/Every command takes --workspace/);
  });

  it('the global help lists every exit code', () => {
    for (const code of Object.values(EXIT)) expect(usage()).toMatch(new RegExp(`^ +${code}  \\S`, 'm'));
  });

  it('a command that uses no workspace refuses --workspace in one sentence, before loading anything', async () => {
    const c = capture();
    expect(await main(['doctor', '--workspace', '/tmp/x'], c.io)).toBe(EXIT.failed);
    expect(c.err).toEqual(['studio doctor: this command uses no workspace, so it takes no --workspace or --no-demo.']);
  });
});

describe('failures', () => {
  it('a broken model folder (ConfigError, SafetensorsError, EngineError) is exit 3 with its own code, not INTERNAL', () => {
    expect(describeFailure(new ConfigError('config.json: "hidden_size" must be a number'))).toEqual({
      code: 'INVALID_CONFIG',
      message: 'config.json: "hidden_size" must be a number',
      exitCode: EXIT.badModel,
      internal: false,
    });
    expect(describeFailure(new SafetensorsError('/m/model.safetensors is corrupt or truncated'))).toMatchObject({
      code: 'INVALID_WEIGHTS',
      exitCode: EXIT.badModel,
    });
    expect(describeFailure(new EngineError('tokenizer_invalid', 'x'))).toMatchObject({
      code: 'TOKENIZER_INVALID',
      exitCode: EXIT.badModel,
    });
    expect(describeFailure(new EngineError('out_of_memory', 'x'))).toMatchObject({ exitCode: EXIT.noResources });
  });

  it('user errors keep their codes; anything else is an internal error, exit 5', () => {
    expect(describeFailure(new CliError('give --model DIR'))).toMatchObject({ code: 'INVALID_ARGUMENT', exitCode: EXIT.failed });
    expect(describeFailure(new StudioError('NOT_FOUND', 'no run #3'))).toMatchObject({ code: 'NOT_FOUND', exitCode: EXIT.failed });
    expect(describeFailure(Object.assign(new Error('heap full'), { code: 'WASM_OUT_OF_MEMORY' }))).toMatchObject({
      exitCode: EXIT.noResources,
    });
    expect(describeFailure(new TypeError('x is undefined'))).toEqual({
      code: 'INTERNAL',
      message: 'internal error: x is undefined',
      exitCode: EXIT.internal,
      internal: true,
    });
    // What threw inside the studio comes back through dispatch as an INTERNAL StudioError: still a bug, exit 5.
    expect(describeFailure(new StudioError('INTERNAL', 'Internal error in jobs.list: boom'))).toEqual({
      code: 'INTERNAL',
      message: 'Internal error in jobs.list: boom',
      exitCode: EXIT.internal,
      internal: true,
    });
  });

  it('names the model folder in an engine error that only names the file inside it', () => {
    const named = inModelFolder('/models/m', new ConfigError('config.json: "n_head" must be a number'));
    expect(named).toBeInstanceOf(EngineError);
    expect((named as Error).message).toBe('/models/m: config.json: "n_head" must be a number');
    const already = new SafetensorsError('/models/m/model.safetensors is truncated');
    expect(inModelFolder('/models/m', already)).toBe(already);
  });
});
