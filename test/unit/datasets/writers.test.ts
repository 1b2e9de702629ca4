// Export then re-import gives the same records, in every export format, for
// labeled, unlabeled and prompt-only records, multi-turn prompts, system
// prompts, meta, and text that is hard on CSV (quotes, commas, newlines).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  exportFormats,
  parseFile,
  toTrlConversationalRow,
  toTrlStandardRow,
  writeRecords,
  type ExportFormat,
  type PreferenceRecord,
} from '../../../main/core/datasets/formats';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/datasets/${name}`, import.meta.url));

/** Everything a record says about the data, leaving out where it was read from. */
const content = (r: PreferenceRecord) => ({
  prompt: r.prompt,
  chosen: r.chosen,
  rejected: r.rejected,
  responses: r.responses,
  system: r.system,
  kind: r.kind,
  meta: r.meta,
  flags: r.flags,
});

async function recordsFrom(...names: string[]): Promise<PreferenceRecord[]> {
  const all: PreferenceRecord[] = [];
  for (const name of names) all.push(...(await parseFile(fixture(name))).records);
  return all;
}

const extension: Record<ExportFormat, string> = { 'trl-jsonl': 'jsonl', 'trl-conversational': 'jsonl', csv: 'csv' };

async function roundTrip(records: PreferenceRecord[], format: ExportFormat) {
  const text = writeRecords(records, format);
  return parseFile(new TextEncoder().encode(text), { file: `export.${extension[format]}` });
}

describe('export → re-import round trip', () => {
  it.each(exportFormats)('%s gives back the same records', async (format) => {
    const records = await recordsFrom(
      'trl-standard.jsonl',
      'trl-conversational.jsonl',
      'hh-rlhf.jsonl',
      'ultrafeedback.jsonl',
      'llama-factory-alpaca.json',
      'argilla-v1.jsonl',
      'unlabeled-pairs.csv',
      'prompts.tsv',
    );
    records[0]!.prompt[0]!.content = 'A "quoted", comma\'d\nmulti-line prompt';
    const again = await roundTrip(records, format);
    expect(again.errors.filter((e) => e.severity === 'error')).toEqual([]);
    expect(again.records.map(content)).toEqual(records.map(content));
  });

  it('TRL standard rows are plain text, with HH-style transcripts for multi-turn prompts', async () => {
    const [record] = (await parseFile(fixture('trl-conversational.jsonl'))).records.slice(1);
    expect(toTrlStandardRow(record!)).toEqual({
      prompt: '\n\nHuman: Hi\n\nAssistant: Hello! How can I help?\n\nHuman: Name a fruit.',
      chosen: 'Apple.',
      rejected: 'Carrot.',
    });
  });

  it('TRL conversational rows carry the system prompt as the first turn', async () => {
    const [record] = (await parseFile(fixture('trl-conversational.jsonl'))).records;
    expect(toTrlConversationalRow(record!)).toEqual({
      prompt: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is 3 * 3?' },
      ],
      chosen: [{ role: 'assistant', content: '9' }],
      rejected: [{ role: 'assistant', content: '6' }],
    });
  });

  it('an export re-imports in the format it was written in', async () => {
    const records = await recordsFrom('trl-standard.jsonl');
    expect((await roundTrip(records, 'trl-jsonl')).format).toBe('trl-standard');
    expect((await roundTrip(records, 'trl-conversational')).format).toBe('trl-conversational');
    expect((await roundTrip(records, 'csv')).format).toBe('trl-standard');
  });
});
