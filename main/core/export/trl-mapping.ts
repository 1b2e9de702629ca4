/**
 * A run's settings under TRL's names (issue 16, "Export"): which TRL trainer
 * runs the objective, the keyword arguments of its config class (DPOConfig,
 * CPOConfig, ORPOConfig, SFTConfig), `peft.LoraConfig`'s arguments, and MMPO's
 * switches for the exported `mmpo_loss.py`. A setting TRL cannot express is
 * returned in `unsupported` with the reason — the export's README lists
 * them — never silently dropped. Pure: unit-tested setting by setting.
 */
import { simpoGamma } from '../../../shared/objectives';
import type { RunConfig } from '../../../shared/training';

/** The TRL trainer the exported train.py builds; `mmpo` is a DPOTrainer subclass calling mmpo_loss.py. */
export type TrlTrainer = 'mmpo' | 'dpo' | 'cpo' | 'orpo' | 'sft';

export interface UnsupportedSetting {
  /** The studio setting's dotted path in RunConfig ("objective.averageLogps"). */
  setting: string;
  reason: string;
}

/** Where each studio setting went, for the export's README table. */
export interface MappedSetting {
  setting: string;
  value: unknown;
  /** The TRL / PEFT / mmpo_loss.py names it sets ("learning_rate", "peft.LoraConfig(r)"). */
  trl: string;
}

export interface TrlMapping {
  trainer: TrlTrainer;
  /** The config class train.py builds (`trl.DPOConfig`, …). */
  configClass: 'DPOConfig' | 'CPOConfig' | 'ORPOConfig' | 'SFTConfig';
  /** Keyword arguments of that config class. */
  args: Record<string, unknown>;
  /** Keyword arguments of `peft.LoraConfig`, or null for full fine-tuning. */
  peft: Record<string, unknown> | null;
  /** Keyword arguments of mmpo_loss.mmpo_loss (plus `entropy`), or null for other objectives. */
  mmpo: Record<string, unknown> | null;
  /** Whether train.py evaluates once after training (the studio's evalEvery = 0: "only at the end"). */
  evaluateAtEnd: boolean;
  /** Top-level config.json keys train.py applies itself where TRL has no setting (`max_prompt_length`: the studio's prompt limit). */
  studio: { max_prompt_length?: number };
  mapped: MappedSetting[];
  unsupported: UnsupportedSetting[];
}

/** The studio's schedules as transformers' `lr_scheduler_type` (all ramp up linearly over the warmup first). */
const SCHEDULERS = { cosine: 'cosine', linear: 'linear', constant: 'constant_with_warmup' } as const;

export function trlMapping(config: RunConfig): TrlMapping {
  const mapped: MappedSetting[] = [];
  const unsupported: UnsupportedSetting[] = [];
  const args: Record<string, unknown> = {};
  const set = (setting: string, value: unknown, trl: string, entries: Record<string, unknown>) => {
    Object.assign(args, entries);
    mapped.push({ setting, value, trl });
  };

  // ---- the objective: the trainer and its maths (mmpo-spec.md presets mapped exactly)
  const objective = config.objective;
  let trainer: TrlTrainer;
  let mmpo: Record<string, unknown> | null = null;
  switch (objective.objective) {
    case 'mmpo':
      trainer = 'mmpo';
      mmpo = {
        lambda_pair: objective.lambdaPair,
        in_batch_norm: objective.inBatchNorm,
        length_norm: objective.lengthNorm,
        entropy: objective.entropy,
        epsilon: objective.epsilon,
        epsilon_rejected: objective.epsilonRejected,
        beta: objective.beta,
      };
      mapped.push(
        { setting: 'objective.lambdaPair', value: objective.lambdaPair, trl: 'mmpo_loss(lambda_pair)' },
        { setting: 'objective.inBatchNorm', value: objective.inBatchNorm, trl: 'mmpo_loss(in_batch_norm)' },
        { setting: 'objective.lengthNorm', value: objective.lengthNorm, trl: 'mmpo_loss(length_norm)' },
        {
          setting: 'objective.entropy',
          value: objective.entropy,
          trl: 'mmpo_loss(chosen/rejected_entropy_objective) via entropy_objective()',
        },
        { setting: 'objective.epsilon', value: objective.epsilon, trl: 'mmpo_loss(epsilon)' },
        { setting: 'objective.epsilonRejected', value: objective.epsilonRejected, trl: 'mmpo_loss(epsilon_rejected)' },
      );
      // DPOConfig's beta is unused by MMPO's loss; it is set to the same β so TRL's own logging shows the run's.
      set('objective.beta', objective.beta, 'mmpo_loss(beta), DPOConfig.beta', { beta: objective.beta });
      break;
    case 'dpo':
      trainer = 'dpo';
      set('objective', 'dpo', 'DPOConfig.loss_type = "sigmoid"', { loss_type: ['sigmoid'] });
      set('objective.beta', objective.beta, 'DPOConfig.beta', { beta: objective.beta });
      break;
    case 'ipo':
      trainer = 'dpo';
      set('objective', 'ipo', 'DPOConfig.loss_type = "ipo" (length-averaged log-probs, as the studio)', { loss_type: ['ipo'] });
      set('objective.beta', objective.beta, 'DPOConfig.beta', { beta: objective.beta });
      break;
    case 'simpo':
      trainer = 'cpo';
      // cpo_alpha = 0 drops CPO's NLL term: the loss is SimPO's alone.
      set('objective', 'simpo', 'CPOConfig.loss_type = "simpo", cpo_alpha = 0', { loss_type: 'simpo', cpo_alpha: 0 });
      set('objective.beta', objective.beta, 'CPOConfig.beta', { beta: objective.beta });
      set('objective.gammaBetaRatio', objective.gammaBetaRatio, 'CPOConfig.simpo_gamma = β · γ/β', { simpo_gamma: simpoGamma(objective) });
      if (!objective.averageLogps)
        unsupported.push({
          setting: 'objective.averageLogps',
          reason: 'CPOTrainer always length-averages the log-probs for SimPO; summed log-probs (off) have no TRL setting.',
        });
      break;
    case 'orpo':
      trainer = 'orpo';
      set('objective.lambda', objective.lambda, 'ORPOConfig.beta (TRL calls ORPO’s λ beta)', { beta: objective.lambda });
      unsupported.push({
        setting: 'objective',
        reason:
          'ORPOTrainer’s NLL term is the mean over all chosen tokens of the batch; the studio averages per pair, then over pairs (equal only when chosen responses are equally long).',
      });
      break;
    case 'sft':
      trainer = 'sft';
      set('objective', 'sft', 'SFTTrainer on prompt/completion pairs, completion_only_loss = true', { completion_only_loss: true });
      unsupported.push({
        setting: 'objective.lengthNorm',
        reason: `SFTTrainer averages the loss over all completion tokens of the batch; the studio's ${
          objective.lengthNorm ? 'per-response average, then mean over responses,' : 'summed log-likelihood per response'
        } has no TRL setting.`,
      });
      break;
  }
  const configClass = ({ mmpo: 'DPOConfig', dpo: 'DPOConfig', cpo: 'CPOConfig', orpo: 'ORPOConfig', sft: 'SFTConfig' } as const)[trainer];

  // ---- optimizer (AdamW; transformers never decays biases and norm weights either)
  set('optimizer.lr', config.optimizer.lr, 'learning_rate', { learning_rate: config.optimizer.lr, optim: 'adamw_torch' });
  set('optimizer.beta1', config.optimizer.beta1, 'adam_beta1', { adam_beta1: config.optimizer.beta1 });
  set('optimizer.beta2', config.optimizer.beta2, 'adam_beta2', { adam_beta2: config.optimizer.beta2 });
  set('optimizer.eps', config.optimizer.eps, 'adam_epsilon', { adam_epsilon: config.optimizer.eps });
  set('optimizer.weightDecay', config.optimizer.weightDecay, 'weight_decay', { weight_decay: config.optimizer.weightDecay });

  // ---- schedule
  set('schedule.kind', config.schedule.kind, 'lr_scheduler_type', { lr_scheduler_type: SCHEDULERS[config.schedule.kind] });
  // transformers 5 reads a warmup_steps below 1 as a share of all steps (warmup_ratio is gone).
  if (config.schedule.warmupRatio < 1) {
    set('schedule.warmupRatio', config.schedule.warmupRatio, 'warmup_steps (a float below 1 is a ratio)', {
      warmup_steps: config.schedule.warmupRatio,
    });
  } else {
    unsupported.push({
      setting: 'schedule.warmupRatio',
      reason: 'transformers reads warmup_steps = 1 as one step, not the whole run; the export warms up over 99.9% of the steps.',
    });
    Object.assign(args, { warmup_steps: 0.999 });
  }

  // ---- batch, lengths, length of training
  set('microBatchSize', config.microBatchSize, 'per_device_train_batch_size, per_device_eval_batch_size', {
    per_device_train_batch_size: config.microBatchSize,
    per_device_eval_batch_size: config.microBatchSize,
  });
  set(
    'gradAccumulation',
    config.gradAccumulation,
    'gradient_accumulation_steps (train.py divides it by the number of processes when it divides evenly, keeping the effective batch)',
    { gradient_accumulation_steps: config.gradAccumulation },
  );
  // transformers clips only when max_grad_norm > 0: 0 is its "no clipping".
  set('maxGradNorm', config.maxGradNorm, 'max_grad_norm (null → 0, no clipping)', { max_grad_norm: config.maxGradNorm ?? 0 });
  set('maxLength', config.maxLength, 'max_length', { max_length: config.maxLength });
  const studio: TrlMapping['studio'] = {};
  if (trainer === 'mmpo' || trainer === 'dpo') {
    // train.py's DPOTrainer subclass cuts prompts from the left as the studio, before TRL's keep_start cut to max_length.
    studio.max_prompt_length = config.maxPromptLength;
    mapped.push({
      setting: 'maxPromptLength',
      value: config.maxPromptLength,
      trl: 'max_prompt_length in config.json (train.py cuts prompt_ids from the left; TRL has no prompt limit)',
    });
  } else
    unsupported.push({
      setting: 'maxPromptLength',
      reason:
        'TRL 1.13 truncates prompt + response together to max_length, keeping the start, and drops a pair whose prompt alone fills it; it has no prompt limit (the studio cuts prompts from the left to maxPromptLength, so every pair trains).',
    });
  set('epochs', config.epochs, 'num_train_epochs', { num_train_epochs: config.epochs });
  set('maxSteps', config.maxSteps, 'max_steps (null → -1, run by epochs)', { max_steps: config.maxSteps ?? -1 });
  set('seed', config.seed, 'seed, data_seed; the data order: data/train_order.json (config.json data_order "studio")', {
    seed: config.seed,
    data_seed: config.seed,
  });
  if (trainer !== 'mmpo' && trainer !== 'dpo')
    unsupported.push({
      setting: 'seed',
      reason: `TRL's ${configClass.replace('Config', 'Trainer')} shuffles the training pairs with its own seeded sampler (train.py gives the studio's order to the DPO-based trainers only), so the data order differs from the studio's for the same seed; the maths do not.`,
    });
  if (config.lora)
    unsupported.push({
      setting: 'lora',
      reason:
        'PEFT initialises the LoRA matrices with torch’s generator, so the adapter’s initial weights differ from the studio’s for the same seed; the maths do not.',
    });

  // ---- evaluation and checkpoints
  const evaluateAtEnd = config.evalEvery === 0;
  if (evaluateAtEnd) set('evalEvery', 0, 'eval_strategy = "no"; train.py evaluates once after training', { eval_strategy: 'no' });
  else set('evalEvery', config.evalEvery, 'eval_strategy = "steps", eval_steps', { eval_strategy: 'steps', eval_steps: config.evalEvery });
  if (config.checkpointEvery > 0) {
    set('checkpointEvery', config.checkpointEvery, 'save_strategy = "steps", save_steps', {
      save_strategy: 'steps',
      save_steps: config.checkpointEvery,
    });
    if (config.checkpointEachEpoch)
      unsupported.push({
        setting: 'checkpointEachEpoch',
        reason: 'transformers saves either every N steps or at each epoch end, not both; the export saves every checkpointEvery steps.',
      });
    else mapped.push({ setting: 'checkpointEachEpoch', value: false, trl: 'save_strategy = "steps" (no epoch-end saves)' });
  } else if (config.checkpointEachEpoch) {
    mapped.push({ setting: 'checkpointEvery', value: 0, trl: 'no step checkpoints' });
    set('checkpointEachEpoch', true, 'save_strategy = "epoch"', { save_strategy: 'epoch' });
  } else {
    mapped.push({ setting: 'checkpointEachEpoch', value: false, trl: 'no epoch-end checkpoints' });
    set('checkpointEvery', 0, 'save_strategy = "no"; train.py saves the final model', { save_strategy: 'no' });
  }
  set('keepCheckpoints', config.keepCheckpoints, 'save_total_limit', { save_total_limit: config.keepCheckpoints });

  // ---- LoRA
  let peft: Record<string, unknown> | null = null;
  if (config.lora) {
    peft = {
      r: config.lora.rank,
      lora_alpha: config.lora.alpha,
      lora_dropout: config.lora.dropout,
      // PEFT's "all-linear" is the studio's null: every linear layer but the output head.
      target_modules: config.lora.targetModules ?? 'all-linear',
      task_type: 'CAUSAL_LM',
    };
    mapped.push({ setting: 'lora', value: config.lora, trl: 'peft.LoraConfig(r, lora_alpha, lora_dropout, target_modules)' });
  } else mapped.push({ setting: 'lora', value: null, trl: 'no peft_config: full fine-tuning' });

  // ---- data and the rest
  mapped.push({
    setting: 'chatTemplate',
    value: config.chatTemplate,
    trl: config.chatTemplate ? 'conversational JSONL (TRL applies the tokenizer’s chat template)' : 'standard (plain text) JSONL',
  });
  if (config.evalSuite !== null)
    unsupported.push({
      setting: 'evalSuite',
      reason: `The studio's evaluation suites ("${config.evalSuite}") run in the studio: bring the checkpoints back and evaluate them there.`,
    });
  // The studio logs every step and trains in float32; so does the export (mixed precision is the accelerate config's choice).
  Object.assign(args, { logging_steps: 1, report_to: 'none', output_dir: 'output', bf16: false });

  return { trainer, configClass, args, peft, mmpo, evaluateAtEnd, studio, mapped, unsupported };
}
