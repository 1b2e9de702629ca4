import type { Run } from './runs';

/**
 * A run's settings as flat keys (nested config keys joined with '.'), for the
 * Compare page's runs table, its grouping, its "what changed" diff and the
 * exported report (main/core/runs/compare-report-job.ts): one definition, so
 * the report lists exactly what the page does. The config's model source is
 * replaced by what identifies a model to a person (its name and hash), the
 * snapshot is named with its dataset, and `trainedWith` says whether the
 * studio trained the run or it was imported from TRL (issue 16).
 */

export type SettingValue = string | number | boolean | null;

/** Nested objects become dotted keys; lists are kept whole, as JSON. */
export function flattenSettings(value: unknown, prefix = '', out: Record<string, SettingValue> = {}): Record<string, SettingValue> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flattenSettings(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = Array.isArray(value) ? JSON.stringify(value) : (value as SettingValue);
  }
  return out;
}

/** Every setting of a run that can differ between runs, in the order the run form shows them. */
export function flatRunSettings(run: Run): Record<string, SettingValue> {
  const { model: _source, objective, lora, ...rest } = run.config;
  const { objective: name, ...switches } = objective;
  return {
    objective: name,
    ...flattenSettings({ objective: switches }),
    model: run.modelName,
    modelHash: run.modelHash,
    dataset: run.datasetName,
    snapshot: `${run.datasetName} · ${run.snapshotName}`,
    snapshotHash: run.snapshotHash,
    trainedWith: run.imported ? 'TRL' : 'studio',
    // LoRA off is one value, not a missing set of keys: "full" then differs from every LoRA setting.
    ...(lora === null ? { lora: 'full fine-tuning' } : flattenSettings({ lora })),
    ...flattenSettings(rest),
  };
}

const same = (a: SettingValue | undefined, b: SettingValue | undefined) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * The keys, in first-seen order, whose values are not all the same across
 * `rows` (a key some rows lack differs from one they have). One row, or
 * none, has nothing that differs.
 */
export function differingKeys(rows: readonly Record<string, SettingValue>[]): string[] {
  if (rows.length < 2) return [];
  return allKeys(rows).filter((key) => rows.some((row) => !same(row[key], rows[0]![key])));
}

/** Every key of any row, in first-seen order. */
export function allKeys(rows: readonly Record<string, SettingValue>[]): string[] {
  return [...new Set(rows.flatMap((row) => Object.keys(row)))];
}

export interface ConfigChange {
  key: string;
  a: SettingValue | undefined;
  b: SettingValue | undefined;
}

/** The settings that differ between two runs (nested keys flattened); equal ones are left out. */
export function configDiff(a: Record<string, SettingValue>, b: Record<string, SettingValue>): ConfigChange[] {
  return differingKeys([a, b]).map((key) => ({ key, a: a[key], b: b[key] }));
}

/** A setting's value as a table cell shows it ("—" for missing). */
export function formatSetting(value: SettingValue | undefined): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return value;
}
