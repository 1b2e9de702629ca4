import { resolve } from 'node:path';
import { CliError, type Command } from './commands';
import { inModelFolder } from './errors';
import { formatBytes, keyValues } from './output';

export const modelCommand: Command = {
  name: 'model',
  usage: 'studio model inspect DIR [--json]',
  summary: 'Describe a Hugging Face model folder from its headers (architecture, parameters, dtypes, tokenizer), loading no weights.',
  usesWorkspace: false,
  options: {},
  async run(ctx) {
    const [sub, dir] = ctx.positionals;
    if (sub !== 'inspect' || !dir) throw new CliError('usage: studio model inspect DIR');
    // Headers only, yet the engine's index loads tfjs: imported here, not at start-up.
    const { inspectModel } = await import('../engine');
    let info;
    try {
      info = await inspectModel(resolve(dir));
    } catch (err) {
      throw inModelFolder(resolve(dir), err);
    }
    if (ctx.json) {
      ctx.io.out(JSON.stringify(info));
      return 0;
    }
    const c = info.config as unknown as Record<string, unknown>;
    const pick = (...keys: string[]) =>
      keys
        .map((k) => (c[k] === undefined ? null : `${k}=${JSON.stringify(c[k])}`))
        .filter(Boolean)
        .join(' ');
    ctx.io.out(
      keyValues([
        ['folder', info.dir],
        ['architecture', `${info.architecture} (${info.modelType})`],
        ['parameters', `${info.parameters.toLocaleString('en')} (${formatBytes(info.float32Bytes)} as float32)`],
        [
          'shape',
          pick('hiddenSize', 'numLayers', 'numHeads', 'numKvHeads', 'intermediateSize', 'vocabSize', 'maxPositions', 'tieWordEmbeddings'),
        ],
        [
          'weights',
          `${info.weightFiles.join(', ')} — ${info.tensorCount} tensors (${Object.entries(info.dtypes)
            .map(([d, n]) => `${n} ${d}`)
            .join(', ')})`,
        ],
        [
          'tokenizer',
          info.tokenizer
            ? `vocab ${info.tokenizer.vocabSize}, bos ${info.tokenizer.bosToken ?? '—'}, eos ${info.tokenizer.eosToken ?? '—'}, pad ${info.tokenizer.padToken ?? '—'}, chat template: ${info.tokenizer.hasChatTemplate ? 'yes' : 'no'}`
            : 'none (tokenizer.json missing)',
        ],
        ['generation config', info.hasGenerationConfig ? 'yes' : 'no'],
      ]),
    );
    return 0;
  },
};
