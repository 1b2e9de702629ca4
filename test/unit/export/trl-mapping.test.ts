/**
 * The TRL export's setting-by-setting mapping (issue 16 items 1, 2): every
 * studio setting is either mapped to a TRL name or listed with the reason
 * TRL cannot express it; the spec's presets map exactly; a run no HF id or
 * path can name is refused in one sentence.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS, type ObjectiveConfig } from '../../../shared/objectives';
import { OBJECTIVE_NAMES, objectiveSettings, runSettings } from '../../../shared/run-settings';
import { RunConfig } from '../../../shared/training';
import { trlMapping } from '../../../main/core/export/trl-mapping';
import { modelNameOrPath } from '../../../main/core/export/trl-export';
import { TRL_REQUIREMENTS } from '../../../main/core/export/requirements';
import { trlReadme } from '../../../main/core/export/trl-readme';

const folder = { kind: 'folder', path: '/models/x' } as const;
const config = (over: Record<string, unknown> = {}) => RunConfig.parse({ model: folder, ...over });

/** Whether a dotted setting path (or its group, "lora" for "lora.rank") is accounted for. */
function accounted(mapping: ReturnType<typeof trlMapping>, path: string): boolean {
  const names = [...mapping.mapped.map((m) => m.setting), ...mapping.unsupported.map((u) => u.setting)];
  return names.some((name) => name === path || path.startsWith(`${name}.`) || (name === 'objective' && path.startsWith('objective.')));
}

describe('trlMapping', () => {
  it('accounts for every run setting and every switch of every objective: mapped, or listed with a reason', () => {
    for (const objective of OBJECTIVE_NAMES) {
      const preset = Object.values(PRESETS).find((p) => p.objective === objective)!;
      for (const lora of [null, { rank: 4 }]) {
        const mapping = trlMapping(config({ objective: preset, lora, evalSuite: 'demo' }));
        for (const setting of [...runSettings(), ...objectiveSettings(objective)]) {
          expect(accounted(mapping, setting.path), `${objective}: ${setting.path}`).toBe(true);
        }
        for (const u of mapping.unsupported) expect(u.reason.length, u.setting).toBeGreaterThan(20);
      }
    }
  });

  it('maps MMPO and mmpo-mml exactly onto mmpo_loss.py, with the DPOTrainer subclass', () => {
    for (const [preset, lambdaPair] of [
      ['mmpo', 1],
      ['mmpo-mml', 0],
    ] as const) {
      const m = trlMapping(config({ objective: PRESETS[preset] }));
      expect(m.trainer).toBe('mmpo');
      expect(m.configClass).toBe('DPOConfig');
      expect(m.mmpo).toEqual({
        lambda_pair: lambdaPair,
        in_batch_norm: true,
        length_norm: false,
        entropy: false,
        epsilon: 0.9,
        epsilon_rejected: 0.1,
        beta: 0.05,
      });
    }
    const variant = trlMapping(
      config({
        objective: {
          ...PRESETS.mmpo,
          lambdaPair: 0.5,
          inBatchNorm: false,
          lengthNorm: true,
          entropy: true,
          epsilon: 0.7,
          epsilonRejected: 0.2,
          beta: 0.3,
        },
      }),
    );
    expect(variant.mmpo).toEqual({
      lambda_pair: 0.5,
      in_batch_norm: false,
      length_norm: true,
      entropy: true,
      epsilon: 0.7,
      epsilon_rejected: 0.2,
      beta: 0.3,
    });
  });

  it('maps the baselines onto TRL’s trainers and losses', () => {
    const of = (objective: ObjectiveConfig) => trlMapping(config({ objective }));
    expect(of({ objective: 'dpo', beta: 0.2 })).toMatchObject({ trainer: 'dpo', args: { loss_type: ['sigmoid'], beta: 0.2 } });
    expect(of({ objective: 'ipo', beta: 0.3 })).toMatchObject({ trainer: 'dpo', args: { loss_type: ['ipo'], beta: 0.3 } });
    const simpo = of({ objective: 'simpo', beta: 2, gammaBetaRatio: 0.5, averageLogps: true });
    expect(simpo).toMatchObject({
      trainer: 'cpo',
      configClass: 'CPOConfig',
      args: { loss_type: 'simpo', cpo_alpha: 0, beta: 2, simpo_gamma: 1 },
    });
    expect(simpo.unsupported.map((u) => u.setting)).not.toContain('objective.averageLogps');
    const summed = of({ objective: 'simpo', beta: 2, gammaBetaRatio: 0.5, averageLogps: false });
    expect(summed.unsupported.map((u) => u.setting)).toContain('objective.averageLogps');
    expect(of({ objective: 'orpo', lambda: 0.25 })).toMatchObject({ trainer: 'orpo', configClass: 'ORPOConfig', args: { beta: 0.25 } });
    expect(of({ objective: 'sft', lengthNorm: false })).toMatchObject({
      trainer: 'sft',
      configClass: 'SFTConfig',
      args: { completion_only_loss: true },
    });
  });

  it('maps optimizer, schedule, batch, lengths, steps, seed, checkpoints and LoRA under TRL’s names', () => {
    const m = trlMapping(
      config({
        optimizer: { lr: 3e-4, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.01 },
        schedule: { kind: 'constant', warmupRatio: 0.05 },
        microBatchSize: 2,
        gradAccumulation: 8,
        maxGradNorm: null,
        maxLength: 256,
        maxPromptLength: 128,
        epochs: 3,
        maxSteps: 40,
        seed: 7,
        evalEvery: 0,
        checkpointEvery: 0,
        checkpointEachEpoch: true,
        keepCheckpoints: 2,
        lora: { rank: 16, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] },
      }),
    );
    expect(m.args).toMatchObject({
      learning_rate: 3e-4,
      adam_beta1: 0.8,
      adam_beta2: 0.95,
      adam_epsilon: 1e-6,
      weight_decay: 0.01,
      lr_scheduler_type: 'constant_with_warmup',
      warmup_steps: 0.05,
      per_device_train_batch_size: 2,
      gradient_accumulation_steps: 8,
      max_grad_norm: 0,
      max_length: 256,
      num_train_epochs: 3,
      max_steps: 40,
      seed: 7,
      data_seed: 7,
      eval_strategy: 'no',
      save_strategy: 'epoch',
      save_total_limit: 2,
    });
    expect(m.evaluateAtEnd).toBe(true);
    expect(m.peft).toEqual({ r: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: ['q_proj', 'v_proj'], task_type: 'CAUSAL_LM' });
    expect(trlMapping(config({ lora: { rank: 4 } })).peft).toMatchObject({ target_modules: 'all-linear' });
    const steps = trlMapping(config({ evalEvery: 25, checkpointEvery: 10, checkpointEachEpoch: false }));
    expect(steps.args).toMatchObject({ eval_strategy: 'steps', eval_steps: 25, save_strategy: 'steps', save_steps: 10 });
    expect(steps.unsupported.map((u) => u.setting)).not.toContain('checkpointEachEpoch');
  });

  it('gives the DPO-based trainers the studio’s prompt limit and data order; the others say they lack them', () => {
    const dpo = trlMapping(config({ objective: PRESETS.dpo, maxLength: 256, maxPromptLength: 100 }));
    expect(dpo.studio).toEqual({ max_prompt_length: 100 });
    expect(dpo.unsupported.map((u) => u.setting)).not.toEqual(expect.arrayContaining(['maxPromptLength']));
    expect(dpo.unsupported.map((u) => u.setting)).not.toContain('seed');
    expect(trlMapping(config({ objective: PRESETS.mmpo, maxPromptLength: 64 })).studio).toEqual({ max_prompt_length: 64 });
    const sft = trlMapping(config({ objective: PRESETS.sft }));
    expect(sft.studio).toEqual({});
    expect(sft.unsupported.map((u) => u.setting)).toEqual(expect.arrayContaining(['maxPromptLength', 'seed']));
    // LoRA's initial weights come from PEFT's generator whatever the trainer.
    expect(trlMapping(config({ objective: PRESETS.dpo, lora: { rank: 2 } })).unsupported.map((u) => u.setting)).toContain('lora');
  });

  it('says why in the README table, which lists every mapped and unsupported setting', () => {
    const cfg = config({ objective: PRESETS['mmpo-mml'], evalSuite: 'demo' });
    const mapping = trlMapping(cfg);
    const snapshot = {
      id: 1,
      datasetId: 1,
      name: 'v1',
      contentHash: 'abc123',
      recordCount: 3,
      trainCount: 2,
      testCount: 1,
      filter: null,
      createdAt: 0,
    };
    const readme = trlReadme({
      runId: 4,
      name: 'r',
      config: cfg,
      snapshot,
      model: '/models/x',
      mapping,
      data: { train: 2, test: 1, skipped: 0 },
    });
    for (const m of mapping.mapped) expect(readme).toContain(`| \`${m.setting}\` |`);
    for (const u of mapping.unsupported) expect(readme).toContain(`- \`${u.setting}\`: ${u.reason}`);
    expect(readme).toContain('accelerate launch --config_file accelerate/deepspeed_zero3.yaml train.py');
    expect(readme).toContain('`mmpo/weight_chosen`');
    expect(readme).toContain('abc123');
  });
});

describe('modelNameOrPath', () => {
  it('refuses, in one sentence, a run whose model no HF id or path can name', () => {
    const spec = RunConfig.parse({ model: { kind: 'spec', hiddenSize: 8, numLayers: 1, numHeads: 1, tokenizerDir: '/t' } });
    expect(() => modelNameOrPath({ runId: 3, config: spec })).toThrow(
      /^Run #3 starts from a randomly initialised model \(model kind "spec"\) that no Hugging Face id or path can name[^.]*\.$/,
    );
    expect(() => modelNameOrPath({ runId: 3, config: config() })).toThrow(/^Run #3's model folder \/models\/x has no config\.json/);
    expect(modelNameOrPath({ runId: 3, config: spec, modelName: 'HuggingFaceTB/SmolLM2-135M' })).toBe('HuggingFaceTB/SmolLM2-135M');
  });
});

describe('requirements', () => {
  it('pins the same versions as the venv the tests run in (scripts/python-env.sh)', () => {
    const script = readFileSync(join(import.meta.dirname, '..', '..', '..', 'scripts', 'python-env.sh'), 'utf8');
    for (const [name, version] of Object.entries(TRL_REQUIREMENTS)) expect(script).toContain(`"${name}==${version}"`);
  });
});
