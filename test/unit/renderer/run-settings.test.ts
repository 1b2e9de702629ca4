/**
 * Run settings are described once (shared/run-settings.ts): every RunConfig
 * field has a description, and the zod validation, the launcher's form and
 * `studio train --help` are all derived from it.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../../main/cli/index';
import { PRESETS } from '../../../shared/objectives';
import {
  DEFAULT_LORA,
  describeBounds,
  OBJECTIVE_NAMES,
  objectiveSettings,
  runSettings,
  settingAt,
  settingLabel,
  type DescribedSetting,
  type ObjectiveName,
} from '../../../shared/run-settings';
import { LoraSettings, RunConfig } from '../../../shared/training';
import { formSettingPaths, objectiveFields } from '../../../renderer/src/pages/runs/launch-form';

const MODEL = { kind: 'spec', hiddenSize: 8, numLayers: 1, numHeads: 2, tokenizerDir: '/tmp/tokenizer' } as const;

/** The dotted paths of a parsed config's leaves (values that are not plain objects), `model` left out: it is not a setting. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) =>
    prefix === '' && key === 'model' ? [] : leafPaths(inner, prefix ? `${prefix}.${key}` : key),
  );
}

/** The parsed config of an objective with LoRA on, so every field of RunConfig is present. */
function fullConfig(objective: ObjectiveName) {
  return RunConfig.parse({ model: MODEL, objective: { objective }, lora: {} });
}

const isNumber = (s: DescribedSetting): s is DescribedSetting & { kind: 'number' | 'integer' } =>
  s.kind === 'number' || s.kind === 'integer';

describe('one description of the run settings', () => {
  it('describes every field of RunConfig, for every objective, and nothing RunConfig lacks', () => {
    for (const objective of OBJECTIVE_NAMES) {
      const paths = leafPaths(fullConfig(objective)).filter((p) => p !== 'objective.objective');
      for (const path of paths) expect(settingAt(path, objective), `${path} (${objective})`).toBeDefined();
      const described = [...runSettings(), ...objectiveSettings(objective)].map((s) => s.path);
      expect(described.sort()).toEqual(paths.sort());
    }
  });

  it('is where the validation takes its defaults and bounds from', () => {
    for (const objective of OBJECTIVE_NAMES) {
      const config = fullConfig(objective);
      for (const setting of [...runSettings(), ...objectiveSettings(objective)]) {
        const [group, key] = setting.path.split('.');
        const value =
          key === undefined
            ? (config as Record<string, unknown>)[group!]
            : (config as unknown as Record<string, Record<string, unknown>>)[group!]![key];
        expect(value, setting.path).toEqual(setting.default);
        if (!isNumber(setting)) continue;
        // A value just past each bound is refused at the setting's path; the bound itself (min, max) is accepted.
        const outside = [
          setting.above !== undefined ? setting.above : null,
          setting.min !== undefined ? setting.min - 1 : null,
          setting.max !== undefined ? setting.max + 1 : null,
          setting.kind === 'integer' ? 1.5 : null,
          setting.nullable ? null : Number.NaN,
        ].filter((v): v is number => v !== null);
        for (const bad of outside) {
          const result = RunConfig.safeParse(withValue(objective, setting.path, bad));
          expect(result.success, `${setting.path} = ${bad}`).toBe(false);
          expect(
            result.error?.issues.map((i) => i.path.join('.')),
            `${setting.path} = ${bad}`,
          ).toContain(setting.path);
        }
        if (setting.nullable)
          expect(RunConfig.safeParse(withValue(objective, setting.path, null)).success, `${setting.path} = null`).toBe(true);
      }
    }
    expect(LoraSettings.parse(DEFAULT_LORA)).toEqual(LoraSettings.parse({}));
  });

  it('gives the presets their objective defaults', () => {
    expect(PRESETS.mmpo).toEqual({
      objective: 'mmpo',
      lambdaPair: 1,
      inBatchNorm: true,
      lengthNorm: false,
      entropy: false,
      epsilon: 0.9,
      epsilonRejected: 0.1,
      beta: 0.05,
    });
    expect(PRESETS['mmpo-mml']).toEqual({ ...PRESETS.mmpo, lambdaPair: 0 });
    expect(PRESETS.simpo).toEqual({ objective: 'simpo', beta: 2, gammaBetaRatio: 1.6, averageLogps: true });
  });

  it('drives the launcher: every setting it shows is described, and it shows all but the run.json-only ones', () => {
    const launcher = runSettings()
      .filter((s) => s.launcher !== false)
      .map((s) => s.path);
    expect(formSettingPaths().sort()).toEqual(launcher.sort());
    expect(
      runSettings()
        .filter((s) => s.launcher === false)
        .map((s) => s.path),
    ).toEqual(['optimizer.beta1', 'optimizer.beta2', 'optimizer.eps']);
    for (const objective of OBJECTIVE_NAMES) expect(objectiveFields({ objective })).toEqual(objectiveSettings(objective));
    expect(settingLabel(settingAt('microBatchSize')!)).toBe('Micro-batch (pairs)');
  });

  it('drives `studio train --help`: every config field with its bounds, default and help', async () => {
    const out: string[] = [];
    const code = await main(['train', '--help'], { out: (t) => out.push(t), err: (t) => out.push(t) });
    expect(code).toBe(0);
    const help = out.join('\n');
    const all = [...runSettings(), ...OBJECTIVE_NAMES.flatMap((o) => objectiveSettings(o))];
    for (const setting of all) {
      expect(help, setting.path).toContain(`  ${setting.path}  (${describeBounds(setting)})`);
      expect(help, setting.path).toContain(setting.help);
    }
    for (const preset of Object.keys(PRESETS)) expect(help).toContain(`${preset}: `);
  });
});

function withValue(objective: ObjectiveName, path: string, value: unknown) {
  const [group, key] = path.split('.');
  const config: Record<string, unknown> = { model: MODEL, objective: { objective }, lora: {} };
  if (key === undefined) config[group!] = value;
  else config[group!] = { ...(config[group!] as object | undefined), [key]: value };
  return config;
}
