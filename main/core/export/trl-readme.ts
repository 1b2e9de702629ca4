/**
 * The README of an exported TRL project: what it holds, the exact commands,
 * the metric names it logs, every studio setting with its TRL name, and
 * every setting TRL cannot express with the reason.
 */
import type { RunConfig } from '../../../shared/training';
import type { Snapshot } from '../../../shared/datasets';
import type { TrlMapping } from './trl-mapping';
import { TRL_REQUIREMENTS } from './requirements';

export interface ReadmeInput {
  runId: number | null;
  name: string;
  config: RunConfig;
  snapshot: Snapshot;
  model: string;
  mapping: TrlMapping;
  data: { train: number; test: number; skipped: number };
}

const TRAINER_CLASS = {
  mmpo: '`MMPOTrainer` (train.py: TRL’s `DPOTrainer` with the loss of `mmpo_loss.py`)',
  dpo: 'TRL’s `DPOTrainer`',
  cpo: 'TRL’s `CPOTrainer` (`trl.experimental.cpo`, SimPO loss)',
  orpo: 'TRL’s `ORPOTrainer` (`trl.experimental.orpo`)',
  sft: 'TRL’s `SFTTrainer`',
} as const;

/** The metric names each trainer logs into trainer_state.json's log_history (eval ones with the eval_ prefix). */
export const TRL_METRICS: Record<TrlMapping['trainer'], string[]> = {
  mmpo: [
    'loss',
    'rewards/chosen (= s_w)',
    'rewards/rejected (= s_l)',
    'rewards/accuracies',
    'rewards/margins',
    'logps/chosen',
    'logps/rejected',
    'logits/chosen',
    'logits/rejected',
    'mmpo/weight_chosen',
    'entropy_objective (with the entropy term)',
    'grad_norm',
    'learning_rate',
    'epoch',
  ],
  dpo: [
    'loss',
    'rewards/chosen',
    'rewards/rejected',
    'rewards/accuracies',
    'rewards/margins',
    'logps/chosen',
    'logps/rejected',
    'logits/chosen',
    'logits/rejected',
    'entropy',
    'mean_token_accuracy',
    'num_tokens',
    'grad_norm',
    'learning_rate',
    'epoch',
  ],
  cpo: [
    'loss',
    'rewards/chosen',
    'rewards/rejected',
    'rewards/accuracies',
    'rewards/margins',
    'logps/chosen',
    'logps/rejected',
    'logits/chosen',
    'logits/rejected',
    'nll_loss',
    'grad_norm',
    'learning_rate',
    'epoch',
  ],
  orpo: [
    'loss',
    'rewards/chosen',
    'rewards/rejected',
    'rewards/accuracies',
    'rewards/margins',
    'logps/chosen',
    'logps/rejected',
    'logits/chosen',
    'logits/rejected',
    'nll_loss',
    'log_odds_ratio',
    'log_odds_chosen',
    'grad_norm',
    'learning_rate',
    'epoch',
  ],
  sft: ['loss', 'entropy', 'mean_token_accuracy', 'num_tokens', 'grad_norm', 'learning_rate', 'epoch'],
};

const cell = (value: unknown) => `\`${JSON.stringify(value)}\``.replace(/\|/g, '\\|');

export function trlReadme(input: ReadmeInput): string {
  const { mapping, config, snapshot, data } = input;
  const title = input.runId === null ? input.name : `run #${input.runId}: ${input.name}`;
  const effective = config.microBatchSize * config.gradAccumulation;
  const lines = [
    `# ${title} — TRL + Accelerate project`,
    '',
    'Exported by Alignment Studio. The run’s objective, data and settings, ready for Hugging Face TRL on',
    'Accelerate: one GPU, several (DDP), DeepSpeed ZeRO-2 / ZeRO-3 or FSDP, one machine or many.',
    '',
    '| file | |',
    '|---|---|',
    `| \`data/train.jsonl\`, \`data/test.jsonl\` | snapshot “${snapshot.name}” (content hash \`${snapshot.contentHash}\`): ${data.train} training and ${data.test} held-out rows${data.skipped ? `; ${data.skipped} records left out (no side the trainer can use)` : ''}; \`data/manifest.json\` says which |`,
    `| \`config.json\` | the settings under TRL’s names (\`args\` → \`trl.${mapping.configClass}\`${mapping.peft ? ', `peft` → `peft.LoraConfig`' : ''}${mapping.mmpo ? ', `mmpo` → `mmpo_loss.mmpo_loss`' : ''}) |`,
    `| \`train.py\` | builds ${TRAINER_CLASS[mapping.trainer]} from config.json and trains |`,
    '| `mmpo_loss.py` | MMPO and every variant of the studio’s spec (M1–M10) as a loss over log-probs, importing only torch |',
    '| `accelerate/*.yaml` | launch configs: `single_gpu`, `multi_gpu` (DDP), `deepspeed_zero2`, `deepspeed_zero3`, `fsdp` |',
    `| \`requirements.txt\` | pinned: ${Object.entries(TRL_REQUIREMENTS)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')} |`,
    '',
    `The model and tokenizer load from \`${input.model}\` (an HF id or a path; edit \`model_name_or_path\` in config.json`,
    'if the cluster keeps it elsewhere).',
    '',
    '## Run it',
    '',
    '```sh',
    'python -m venv .venv && . .venv/bin/activate',
    'pip install -r requirements.txt          # + `pip install deepspeed` for the ZeRO configs',
    '',
    '# one GPU',
    'accelerate launch --config_file accelerate/single_gpu.yaml train.py',
    '# every GPU of one machine (DDP); --num_processes overrides the config’s 8',
    'accelerate launch --config_file accelerate/multi_gpu.yaml --num_processes 4 train.py',
    '# DeepSpeed ZeRO-2, ZeRO-3, or FSDP',
    'accelerate launch --config_file accelerate/deepspeed_zero2.yaml train.py',
    'accelerate launch --config_file accelerate/deepspeed_zero3.yaml train.py',
    'accelerate launch --config_file accelerate/fsdp.yaml train.py',
    '# several machines: on each, --num_machines N --machine_rank I --main_process_ip HOST --main_process_port PORT',
    '# a CPU smoke test of a few steps',
    'accelerate launch --num_processes 1 --cpu train.py --max_steps 2 --output_dir /tmp/smoke',
    '# 2 processes on a machine without a GPU (DDP over gloo; `--cpu` would start only one)',
    'accelerate launch --multi_gpu --num_processes 2 train.py',
    '```',
    '',
    'Checkpoints (`checkpoint-*/`) and `trainer_state.json` go to `output/` (or `--output_dir DIR`), with',
    '`studio_launch.json`: the processes, per-process batch and accumulation the launch used.',
    `The studio’s effective batch is ${config.microBatchSize} pairs per micro-batch × ${config.gradAccumulation} accumulation = ${effective} pairs per`,
    'step. With N processes train.py keeps it: it divides the accumulation by N when it divides evenly (each',
    'process takes whole micro-batches in turn), else it splits each micro-batch, N processes taking',
    `microBatchSize / N pairs each, and MMPO’s in-batch normalisation (M6) then takes its min and max over all N`,
    `shares, so it still normalises over the studio’s micro-batch (otherwise train.py warns that the batch grows).`,
    '',
    '## Same steps as the studio',
    '',
    ...(mapping.trainer === 'mmpo' || mapping.trainer === 'dpo'
      ? [
          '`data_order` in config.json is `"studio"`: train.py visits the training rows in the studio trainer’s seeded',
          'order (`data/train_order.json`, one permutation per epoch, from the run’s seed) instead of TRL’s shuffle, and',
          '`max_prompt_length` cuts prompts from the left as the studio does, so every optimizer step trains on the',
          'pairs, token for token, that the studio’s step with the same number trains on. From the same starting',
          'weights (full fine-tuning) its first steps’ losses match the studio’s to float32 rounding, with 1 and with 2',
          'processes (the studio’s tests check it for MMPO, mmpo-mml and DPO). Set `data_order` to `"trl"` for TRL’s own',
          'seeded shuffle.',
        ]
      : [
          `${TRAINER_CLASS[mapping.trainer]} shuffles the rows itself (\`data_order\` is \`"trl"\`); the studio’s seeded order of`,
          'the rows is in `data/train_order.json` for reference.',
        ]),
    '',
    '## What it logs',
    '',
    `Every step, in \`trainer_state.json\`’s \`log_history\` (held-out evaluations with the \`eval_\` prefix): ${TRL_METRICS[
      mapping.trainer
    ]
      .map((m) => `\`${m.split(' ')[0]!}\`${m.includes(' ') ? ` ${m.slice(m.indexOf(' ') + 1)}` : ''}`)
      .join(', ')}.`,
    'These are the names the studio’s own runs use (`studio runs export … --format json`).',
    '',
    '## Each studio setting in TRL',
    '',
    '| studio setting | value | TRL |',
    '|---|---|---|',
    ...mapping.mapped.map((m) => `| \`${m.setting}\` | ${cell(m.value)} | ${m.trl} |`),
    '',
    '## What TRL cannot express',
    '',
  ];
  if (mapping.unsupported.length === 0) lines.push('Nothing: every setting of this run is mapped above.');
  else {
    lines.push('These settings are not reproduced exactly; each says why and what the export does instead.', '');
    for (const u of mapping.unsupported) lines.push(`- \`${u.setting}\`: ${u.reason}`);
  }
  lines.push('');
  return lines.join('\n');
}
