/**
 * `studio export-job RUN_ID|--config run.json --target trl --out DIR`: a run
 * as a self-contained TRL + Accelerate project for a cluster (issue 16); the
 * same as the app's "Export for a cluster" (runs.exportTrl).
 */
import { dirname, resolve } from 'node:path';
import { call } from '../core/client';
import { CliError, type Command } from './commands';
import { readRunFile, resolveLaunch } from './train';

export const exportJobCommand: Command = {
  name: 'export-job',
  usage:
    'studio export-job RUN_ID|--config run.json --target trl --out DIR [--model-name HF_ID_OR_PATH] [--workspace DIR] [--json]\n\n' +
    'Writes DIR (new or empty): data/ (the snapshot as TRL JSONL, with its content hash in data/manifest.json), config.json\n' +
    '(the settings under TRL names), train.py, mmpo_loss.py, accelerate/*.yaml (one GPU, DDP, DeepSpeed ZeRO-2/3, FSDP),\n' +
    'requirements.txt and README.md (the commands, the metric names, each setting in TRL and what TRL cannot express).\n' +
    '--model-name: the HF id or cluster path train.py loads the model from (default: the run’s local model folder).',
  summary: 'Export a run (or a run.json) as a TRL + Accelerate project to train on a cluster; prints what TRL cannot express.',
  options: { config: { type: 'string' }, target: { type: 'string' }, out: { type: 'string' }, 'model-name': { type: 'string' } },
  async run(ctx) {
    const target = ctx.values.target ?? 'trl';
    if (target !== 'trl') throw new CliError(`--target ${String(target)}: the only target is trl.`);
    if (typeof ctx.values.out !== 'string') throw new CliError('name the folder to write: studio export-job RUN_ID --target trl --out DIR');
    const configPath = typeof ctx.values.config === 'string' ? resolve(ctx.values.config) : null;
    const idText = ctx.positionals[0];
    if ((configPath === null) === (idText === undefined))
      throw new CliError('name exactly one run: studio export-job RUN_ID … or studio export-job --config run.json …');
    const id = idText === undefined ? undefined : Number(idText);
    if (id !== undefined && (!Number.isInteger(id) || id <= 0)) throw new CliError(`${idText} is not a run id (see \`studio runs\`).`);
    const out = resolve(ctx.values.out);
    const modelName = typeof ctx.values['model-name'] === 'string' ? ctx.values['model-name'] : undefined;
    const studio = ctx.openStudio(false);
    try {
      const source =
        configPath !== null ? { config: await resolveLaunch(studio, readRunFile(configPath), dirname(configPath)) } : { id: id! };
      const result = await call(studio, 'runs.exportTrl', { ...source, out, ...(modelName ? { modelName } : {}) });
      if (ctx.json) ctx.io.out(JSON.stringify(result));
      else {
        ctx.io.out(`Wrote a TRL + Accelerate project (${result.files.length} files) to ${result.path}.`);
        ctx.io.out(
          `Run it: cd ${result.path} && pip install -r requirements.txt && accelerate launch --config_file accelerate/single_gpu.yaml train.py`,
        );
        if (result.unsupported.length > 0) {
          ctx.io.out('Not reproduced exactly by TRL (also in its README):');
          for (const u of result.unsupported) ctx.io.out(`  ${u.setting}: ${u.reason}`);
        }
      }
      return 0;
    } finally {
      await studio.close();
    }
  },
};
