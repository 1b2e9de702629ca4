import { resolve } from 'node:path';
import { CliError, EXIT, type Command } from './commands';
import { inModelFolder } from './errors';
import { keyValues } from './output';

// The engine (and tfjs under it) is imported when one of these commands runs,
// never at load: `studio --help` and the workspace commands start without it.
const loadEngine = () => import('../engine');
const loadBackend = () => import('../engine/backend');

const backendOption = { backend: { type: 'string' } } as const;

async function withEngine<T>(backend: string | boolean | undefined, work: () => Promise<T>): Promise<T> {
  const { initBackend, shutdownBackend } = await loadBackend();
  await initBackend(backend ? { backend: String(backend) as never } : {});
  try {
    return await work();
  } finally {
    // wasm threads keep Node alive until the backend is removed.
    shutdownBackend();
  }
}

/** Loads an HF folder; an engine error about it names the folder. */
async function loadModelFolder(dir: string) {
  const { loadModel } = await loadEngine();
  try {
    return await loadModel(dir);
  } catch (err) {
    throw inModelFolder(dir, err);
  }
}

export const doctorCommand: Command = {
  name: 'doctor',
  usage: 'studio doctor [--json]',
  summary: 'Which tensor backends this machine has (and why not), threads, SIMD and memory.',
  usesWorkspace: false,
  options: {},
  async run(ctx) {
    const { doctorReport, formatDoctorReport } = await loadBackend();
    const report = await doctorReport();
    ctx.io.out(ctx.json ? JSON.stringify(report) : formatDoctorReport(report));
    return 0;
  },
};

function requireModel(values: Record<string, string | boolean | undefined>): string {
  if (!values.model) throw new CliError('name the model folder: --model DIR');
  return resolve(String(values.model));
}

export const scoreCommand: Command = {
  name: 'score',
  usage: 'studio score --model DIR --prompt TEXT --response TEXT [--chat] [--system TEXT] [--backend NAME] [--json]',
  summary: "The response's summed and mean log-probability under the model, and its token count.",
  usesWorkspace: false,
  options: {
    model: { type: 'string' },
    prompt: { type: 'string' },
    response: { type: 'string' },
    chat: { type: 'boolean', default: false },
    system: { type: 'string' },
    ...backendOption,
  },
  async run(ctx) {
    const dir = requireModel(ctx.values);
    if (ctx.values.prompt === undefined || ctx.values.response === undefined)
      throw new CliError('give both --prompt TEXT and --response TEXT');
    const result = await withEngine(ctx.values.backend, async () => {
      const { scorePairs } = await loadEngine();
      const { model, tokenizer } = await loadModelFolder(dir);
      if (!tokenizer) throw new CliError(`${dir} has no tokenizer.json.`, 'TOKENIZER_MISSING', EXIT.badModel);
      try {
        const [score] = await scorePairs(model, tokenizer, [{ prompt: String(ctx.values.prompt), response: String(ctx.values.response) }], {
          chat: Boolean(ctx.values.chat),
          ...(ctx.values.system ? { system: String(ctx.values.system) } : {}),
        });
        return score!;
      } finally {
        model.dispose();
      }
    });
    const out = {
      logprobSum: result.sumLogProb,
      logprobMean: result.meanLogProb,
      tokens: result.tokenCount,
      promptTokens: result.example.promptLength,
      truncated: result.example.truncation,
    };
    if (ctx.json) ctx.io.out(JSON.stringify(out));
    else
      ctx.io.out(
        keyValues([
          ['log-prob (sum)', out.logprobSum.toFixed(4)],
          ['log-prob (mean)', out.logprobMean.toFixed(4)],
          ['response tokens', String(out.tokens)],
          ['prompt tokens', String(out.promptTokens)],
        ]),
      );
    return 0;
  },
};

export const generateCommand: Command = {
  name: 'generate',
  usage:
    'studio generate --model DIR --prompt TEXT [--max-new-tokens N] [--temperature T] [--top-p P] [--top-k K] [--seed S] [--chat] [--backend NAME] [--json]',
  summary: 'Generate a continuation (greedy when the temperature is 0), streaming tokens to the terminal.',
  usesWorkspace: false,
  options: {
    model: { type: 'string' },
    prompt: { type: 'string' },
    'max-new-tokens': { type: 'string', default: '64' },
    temperature: { type: 'string', default: '0' },
    'top-p': { type: 'string', default: '1' },
    'top-k': { type: 'string', default: '0' },
    seed: { type: 'string', default: '0' },
    chat: { type: 'boolean', default: false },
    system: { type: 'string' },
    ...backendOption,
  },
  async run(ctx) {
    const dir = requireModel(ctx.values);
    if (ctx.values.prompt === undefined) throw new CliError('give the prompt: --prompt TEXT');
    const num = (name: string, min: number, max: number) => {
      const v = Number(ctx.values[name]);
      if (!Number.isFinite(v) || v < min || v > max) throw new CliError(`--${name} must be a number from ${min} to ${max}.`);
      return v;
    };
    const options = {
      maxNewTokens: num('max-new-tokens', 1, 8192),
      temperature: num('temperature', 0, 10),
      topP: num('top-p', 0, 1),
      topK: num('top-k', 0, 1_000_000),
      seed: num('seed', 0, 2 ** 31),
    };
    let printed = '';
    const result = await withEngine(ctx.values.backend, async () => {
      const { generateText } = await loadEngine();
      const { model, tokenizer, generationConfig } = await loadModelFolder(dir);
      if (!tokenizer) throw new CliError(`${dir} has no tokenizer.json.`, 'TOKENIZER_MISSING', EXIT.badModel);
      try {
        return await generateText(model, tokenizer, [String(ctx.values.prompt)], {
          ...options,
          chat: Boolean(ctx.values.chat),
          ...(ctx.values.system ? { system: String(ctx.values.system) } : {}),
          generationConfig,
          onText: ctx.json
            ? undefined
            : (_i, text) => {
                // Stream what is new; decoded text can change at merge boundaries, so only append.
                if (text.startsWith(printed)) process.stdout.write(text.slice(printed.length));
                printed = text;
              },
        });
      } finally {
        model.dispose();
      }
    });
    if (ctx.json) ctx.io.out(JSON.stringify({ text: result.texts[0], tokens: result.tokens[0], ...options }));
    else process.stdout.write(printed === result.texts[0] ? '\n' : `\n${result.texts[0]}\n`);
    return 0;
  },
};
