// Export: TRL standard JSONL, TRL conversational JSONL, CSV. Every writer
// keeps what the importer needs to give the same records back: meta travels in
// a `meta` column, unlabeled rows carry `chosen`/`rejected` as null plus their
// candidate responses, and a system prompt has its own field (or, in the
// conversational form, its leading system turn).
import Papa from 'papaparse';
import { messagesToText, type Message, type PreferenceRecord } from './record';

export const exportFormats = ['trl-jsonl', 'trl-conversational', 'csv'] as const;
export type ExportFormat = (typeof exportFormats)[number];

function withMeta(row: Record<string, unknown>, record: PreferenceRecord): Record<string, unknown> {
  return Object.keys(record.meta).length > 0 ? { ...row, meta: record.meta } : row;
}

/** One TRL standard row: prompt / chosen / rejected as text. */
export function toTrlStandardRow(record: PreferenceRecord): Record<string, unknown> {
  const text = (messages: Message[] | null) => (messages === null ? null : messagesToText(messages));
  return withMeta(
    {
      prompt: messagesToText(record.prompt),
      chosen: text(record.chosen),
      rejected: text(record.rejected),
      ...(record.responses ? { responses: record.responses.map((r) => messagesToText(r)) } : {}),
      ...(record.system !== undefined ? { system: record.system } : {}),
    },
    record,
  );
}

/** One TRL conversational row: message lists, the system prompt as the first prompt turn. */
export function toTrlConversationalRow(record: PreferenceRecord): Record<string, unknown> {
  const prompt = record.system !== undefined ? [{ role: 'system', content: record.system }, ...record.prompt] : record.prompt;
  return withMeta(
    {
      prompt,
      chosen: record.chosen,
      rejected: record.rejected,
      ...(record.responses ? { responses: record.responses } : {}),
    },
    record,
  );
}

export function toJsonl(records: Iterable<PreferenceRecord>, format: 'trl-jsonl' | 'trl-conversational'): string {
  const toRow = format === 'trl-jsonl' ? toTrlStandardRow : toTrlConversationalRow;
  const lines: string[] = [];
  for (const record of records) lines.push(JSON.stringify(toRow(record)));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * A cell holds plain text when that reads back the same (one message in the
 * column's usual role); otherwise the message list as JSON.
 */
function cell(messages: Message[] | null | undefined, role: string): string {
  if (messages === null || messages === undefined) return '';
  if (messages.length === 1 && messages[0]!.role === role) return messages[0]!.content;
  return JSON.stringify(messages);
}

const RESPONSE_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export function toCsv(records: Iterable<PreferenceRecord>): string {
  const rows: Record<string, string>[] = [];
  let responseColumns = 0;
  for (const record of records) {
    const row: Record<string, string> = {
      prompt: cell(record.prompt, 'user'),
      chosen: cell(record.chosen, 'assistant'),
      rejected: cell(record.rejected, 'assistant'),
      system: record.system ?? '',
      meta: Object.keys(record.meta).length > 0 ? JSON.stringify(record.meta) : '',
    };
    (record.responses ?? []).forEach((response, i) => (row[`response_${RESPONSE_LETTERS[i]}`] = cell(response, 'assistant')));
    responseColumns = Math.max(responseColumns, record.responses?.length ?? 0);
    rows.push(row);
  }
  const columns = ['prompt', 'chosen', 'rejected', 'system'];
  for (let i = 0; i < responseColumns; i++) columns.push(`response_${RESPONSE_LETTERS[i]}`);
  columns.push('meta');
  return `${Papa.unparse(rows, { columns, newline: '\n', quotes: false })}\n`;
}

export function writeRecords(records: Iterable<PreferenceRecord>, format: ExportFormat): string {
  return format === 'csv' ? toCsv(records) : toJsonl(records, format);
}
