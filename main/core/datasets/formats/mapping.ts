// Which source field plays which role. Detection proposes a mapping; the user
// may override any field name before the import runs.
import type { z } from 'zod';
import { ColumnMapping as ColumnMappingSchema, FormatId as FormatIdSchema } from '../../../../shared/datasets';

// The format ids and the mapping schema are part of the contract (shared/), so
// the import dialog and the CLI validate the same thing.
export const formatIds = FormatIdSchema.options;
export const formatIdSchema = FormatIdSchema;
export type FormatId = z.infer<typeof formatIdSchema>;

export const FORMAT_LABELS: Record<FormatId, string> = {
  'trl-standard': 'TRL standard (prompt / chosen / rejected text)',
  'trl-conversational': 'TRL conversational (message lists)',
  'implicit-prompt': 'Implicit prompt (chosen / rejected share their opening turns)',
  'hh-rlhf': 'Anthropic HH-RLHF transcripts',
  ultrafeedback: 'UltraFeedback binarized',
  'orca-dpo': 'Orca DPO pairs',
  'llama-factory-alpaca': 'LLaMA-Factory ranking (alpaca)',
  'llama-factory-sharegpt': 'LLaMA-Factory ranking (sharegpt)',
  argilla: 'Argilla ranking / preference export',
  'label-studio': 'Label Studio pairwise export',
  'unlabeled-pair': 'Unlabeled pairs (prompt + two responses)',
  'prompt-only': 'Prompts only',
};

export const columnMappingSchema = ColumnMappingSchema;
export type ColumnMapping = z.infer<typeof columnMappingSchema>;

export type MappingSlot = Exclude<keyof ColumnMapping, 'format' | 'meta'>;

/** The slots each format reads, required ones first, for the mapping form. */
export const MAPPING_SLOTS: Record<FormatId, { required: MappingSlot[]; optional: MappingSlot[] }> = {
  'trl-standard': { required: ['prompt', 'chosen', 'rejected'], optional: ['system'] },
  'trl-conversational': { required: ['prompt', 'chosen', 'rejected'], optional: ['system'] },
  'implicit-prompt': { required: ['chosen', 'rejected'], optional: ['system'] },
  'hh-rlhf': { required: ['chosen', 'rejected'], optional: [] },
  ultrafeedback: { required: ['prompt', 'chosen', 'rejected'], optional: ['system'] },
  'orca-dpo': { required: ['prompt', 'chosen', 'rejected'], optional: ['system'] },
  'llama-factory-alpaca': { required: ['prompt', 'chosen', 'rejected'], optional: ['input', 'system', 'history'] },
  'llama-factory-sharegpt': { required: ['prompt', 'chosen', 'rejected'], optional: ['system'] },
  argilla: { required: ['prompt', 'responses', 'label'], optional: ['system'] },
  'label-studio': { required: ['prompt', 'responses', 'label'], optional: ['system'] },
  'unlabeled-pair': { required: ['prompt', 'responses'], optional: ['system'] },
  'prompt-only': { required: ['prompt'], optional: ['system'] },
};

/** Reads `name` from a row: exact key first, then a dotted path. */
export function getField(row: Record<string, unknown>, name: string): unknown {
  if (name in row) return row[name];
  let value: unknown = row;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The fields a mapping reads, so the rest can go to meta. */
export function mappedFields(mapping: ColumnMapping): Set<string> {
  const names = [mapping.prompt, mapping.input, mapping.system, mapping.history, mapping.chosen, mapping.rejected, mapping.label];
  const used = new Set<string>(names.filter((n): n is string => n !== undefined).map((n) => n.split('.')[0]!));
  for (const name of mapping.responses ?? []) used.add(name.split('.')[0]!);
  return used;
}
