// Hardening of the row readers (issue 12): a row nested deep enough to
// overflow the stack, a stray NUL byte, and a JSON Lines file under a .csv
// name each cost at most their own rows; a file is refused whole only when it
// really is binary, and then the error says what it looks like.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { locatedErrorSchema, parseFile, previewFile, type FileInput, type ParseResult } from '../../../main/core/datasets/formats';
import { tempDir } from '../../helpers/tmp';

const t = tempDir();
afterAll(() => t.cleanup());

const encode = (text: string) => new TextEncoder().encode(text);
const row = (prompt: string) => JSON.stringify({ prompt, chosen: 'good', rejected: 'bad' });
const prompts = (result: ParseResult) => result.records.map((r) => r.prompt[0]?.content);
const errorsOnly = (result: ParseResult) => result.errors.filter((e) => e.severity === 'error');

function onDisk(name: string, content: string | Uint8Array): string {
  const path = join(t.dir, name);
  writeFileSync(path, content);
  return path;
}

async function parse(input: FileInput, file?: string): Promise<ParseResult> {
  const result = await parseFile(input, file ? { file } : {});
  for (const error of result.errors) expect(locatedErrorSchema.strict().parse(error)).toEqual(error);
  return result;
}

const DEPTH = 100_000;
/** A row whose prompt is a list nested 100k deep: JSON.parse reads it, the recursive steps after it overflowed the stack. */
const deepObjectRow = `{"prompt": ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}, "chosen": "a", "rejected": "b"}`;
/** The issue's row: a bare list nested 100k deep. */
const deepListRow = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;

describe('a row nested deep enough to overflow the stack', () => {
  const jsonl = [row('one'), deepObjectRow, deepListRow, row('four')].join('\n') + '\n';
  const jsonArray = `[\n${[row('one'), deepObjectRow, deepListRow, row('four')].join(',\n')}\n]\n`;

  // The array's rows start on line 2, after its opening bracket.
  it.each([
    ['JSON Lines streamed from disk', () => onDisk('deep.jsonl', jsonl), undefined, 0],
    ['JSON Lines in memory', () => encode(jsonl), 'deep.jsonl', 0],
    ['a JSON array on disk', () => onDisk('deep.json', jsonArray), undefined, 1],
  ])('%s: only the deep rows are rejected, with their lines', async (_, input, file, lineShift) => {
    const result = await parse(input(), file);
    expect(prompts(result)).toEqual(['one', 'four']);
    expect(errorsOnly(result).map((e) => [e.line, e.row, e.code])).toEqual([
      [2 + lineShift, 2, 'too-deep'],
      [3 + lineShift, 3, 'not-an-object'],
    ]);
    expect(errorsOnly(result)[0]!.reason).toMatch(
      new RegExp(`^Row 2 \\(line ${2 + lineShift}\\) nests lists or objects more than 100 levels deep`),
    );
    expect(result.stats).toMatchObject({ rowsSeen: 4, imported: 2, rejected: 2 });
  });

  it('a single deep object as the whole JSON file is one rejected row', async () => {
    const result = await parse(onDisk('deep-single.json', deepObjectRow));
    expect(result.records).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ row: 1, code: 'too-deep' })]);
  });

  it('the preview (format detection on the first rows) does not crash either', async () => {
    const preview = await previewFile(onDisk('deep-preview.jsonl', jsonl));
    expect(preview.format).toBe('trl-standard');
    expect(preview.sampleRecords.map((r) => r.prompt[0]?.content)).toEqual(['one', 'four']);
    expect(preview.errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'too-deep'],
      [3, 'not-an-object'],
    ]);
  });

  it('a deep row as the first row, where detection samples, still leaves the rest importable', async () => {
    const result = await parse(onDisk('deep-first.jsonl', [deepObjectRow, row('two')].join('\n')));
    expect(result.format).toBe('trl-standard');
    expect(prompts(result)).toEqual(['two']);
    expect(errorsOnly(result).map((e) => [e.line, e.code])).toEqual([[1, 'too-deep']]);
  });

  it('a CSV meta cell holding JSON nested 100k deep is kept as text, not parsed into the record', async () => {
    const deepMeta = `{"a": ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;
    const csv = `prompt,chosen,rejected,meta\nq1,a,b,"{""x"":1}"\nq2,a,b,"${deepMeta.replace(/"/g, '""')}"\n`;
    const result = await parse(onDisk('deep-meta.csv', csv));
    expect(prompts(result)).toEqual(['q1', 'q2']);
    expect(result.records[0]!.meta).toEqual({ x: 1 });
    expect(result.records[1]!.meta).toEqual({ meta: deepMeta });
  });

  it('ordinary nesting (conversations with metadata) is well within the limit', async () => {
    const conversational = JSON.stringify({
      prompt: [{ role: 'user', content: 'hi' }],
      chosen: [{ role: 'assistant', content: 'hello' }],
      rejected: [{ role: 'assistant', content: 'go away' }],
      meta: { a: { b: { c: { d: [[[1]]] } } } },
    });
    const result = await parse(encode(conversational), 'conv.jsonl');
    expect(result.records).toHaveLength(1);
    expect(result.errors).toEqual([]);
  });
});

describe('a NUL byte in a text file rejects only its row', () => {
  const withNul = (text: string, at: string) => {
    const bytes = encode(text);
    const index = text.indexOf(at);
    bytes[index] = 0;
    return bytes;
  };
  const jsonlText = [row('one'), row('two@'), row('three')].join('\n') + '\n';
  const jsonl = withNul(jsonlText, '@');

  // Streamed from disk, the error also pins the NUL's byte offset.
  it.each([
    ['JSON Lines streamed from disk', () => onDisk('nul.jsonl', jsonl), undefined, { byteOffset: jsonlText.indexOf('@') }],
    ['JSON Lines in memory', () => jsonl, 'nul.jsonl', {}],
  ])('%s: the row holding it is rejected with its line, the others import', async (_, input, file, offset) => {
    const result = await parse(input(), file);
    expect(prompts(result)).toEqual(['one', 'three']);
    expect(result.errors).toEqual([expect.objectContaining({ line: 2, row: 2, code: 'nul-byte', severity: 'error', ...offset })]);
    expect(result.errors[0]!.reason).toBe(
      'Row 2 (line 2) holds a NUL (zero) byte, which text data never does: the row is damaged and was not imported.',
    );
  });

  it('in CSV, the row with a NUL in a cell is rejected', async () => {
    const csv = withNul('prompt,chosen,rejected\nq1,a,b\nq2,a@,b\nq3,a,b\n', '@');
    const result = await parse(onDisk('nul.csv', csv));
    expect(prompts(result)).toEqual(['q1', 'q3']);
    expect(result.errors).toEqual([expect.objectContaining({ line: 3, row: 2, code: 'nul-byte' })]);
  });

  it('in a JSON array, the element with a NUL is rejected', async () => {
    const json = withNul(`[\n${[row('one'), row('two@'), row('three')].join(',\n')}\n]`, '@');
    const result = await parse(onDisk('nul.json', json));
    expect(prompts(result)).toEqual(['one', 'three']);
    expect(result.errors).toEqual([expect.objectContaining({ line: 3, row: 2, code: 'nul-byte' })]);
  });

  it('a NUL deep in a large streamed file (past the first chunk) costs its row only, located by line and byte', async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => row(`question ${i}`));
    const before = encode(lines.slice(0, 50_000).join('\n') + '\n').length;
    lines[50_000] = `${lines[50_000]!.slice(0, 5)}\u0000${lines[50_000]!.slice(5)}`;
    const result = await parse(onDisk('big-nul.jsonl', lines.join('\n')));
    expect(result.records).toHaveLength(59_999);
    expect(result.errors).toEqual([expect.objectContaining({ line: 50_001, row: 50_001, byteOffset: before + 5, code: 'nul-byte' })]);
  });

  it('many NUL rows in the first 64 KiB, short of binary, still cost only their rows', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => (i % 40 === 7 ? `${row(`r${i}`).slice(0, -1)}\u0000}` : row(`r${i}`)));
    const result = await parse(onDisk('some-nul.jsonl', lines.join('\n')));
    expect(result.records).toHaveLength(390);
    expect(result.errors.map((e) => e.line)).toEqual([8, 48, 88, 128, 168, 208, 248, 288, 328, 368]);
  });

  it('UTF-16 without a byte-order mark (a zero in every other byte) is read as text', async () => {
    const bytes = new Uint8Array(Buffer.from(`${row('ünïcode')}\n${row('two')}\n`, 'utf16le'));
    const result = await parse(onDisk('utf16-nobom.jsonl', bytes));
    expect(prompts(result)).toEqual(['ünïcode', 'two']);
    expect(result.errors).toEqual([]);
  });
});

describe('a binary file is refused whole, saying what it looks like', () => {
  const sqlitePath = join(t.dir, 'pairs.sqlite');
  const db = new Database(sqlitePath);
  db.exec("CREATE TABLE pairs (prompt TEXT); INSERT INTO pairs VALUES ('hi');");
  db.close();

  it.each([
    [
      'a gzip archive',
      () => onDisk('pairs.jsonl.gz', gzipSync(encode(row('one')))),
      /it looks like a gzip archive\. Decompress it \(gunzip\)/,
    ],
    [
      'a zip archive',
      () => onDisk('pairs.zip', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0])),
      /it looks like a zip archive/,
    ],
    [
      'a PNG image',
      () => onDisk('photo.jsonl', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])),
      /it looks like a PNG image/,
    ],
    ['a JPEG image', () => onDisk('photo.csv', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46])), /it looks like a JPEG image/],
    ['a PDF document', () => onDisk('paper.json', encode('%PDF-1.7\n%âãÏÓ\n1 0 obj\n')), /it looks like a PDF document/],
    ['an SQLite database', () => sqlitePath, /it looks like an SQLite database\. Export its table as CSV or JSON Lines/],
    [
      'binary data',
      () =>
        onDisk(
          'noise.jsonl',
          new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256),
        ),
      /it looks like binary data \(\d+% control bytes in its first 4 KiB\)/,
    ],
  ])('%s', async (_, input, reason) => {
    const result = await parse(input());
    expect(result.records).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'binary-file', severity: 'error' })]);
    expect(result.errors[0]!.reason).toMatch(/^This is not a text file: /);
    expect(result.errors[0]!.reason).toMatch(reason);
  });

  it('Parquet, binary as it is, is still read', async () => {
    const result = await parse(new URL('../../fixtures/datasets/pairs.parquet', import.meta.url).pathname);
    expect(result.container).toBe('parquet');
    expect(result.records.length).toBeGreaterThan(0);
  });
});

describe('JSON Lines under a .csv name', () => {
  const jsonl = [row('one'), row('two'), row('three')].join('\n') + '\n';
  const note = /^pairs\.csv is named as CSV but holds JSON Lines, so it was read as JSON Lines\. Rename it \.jsonl/;

  it.each([
    ['streamed from disk', () => onDisk('pairs.csv', jsonl), undefined],
    ['in memory', () => encode(jsonl), 'pairs.csv'],
  ])('%s: imports every row, with a note in the report', async (_, input, file) => {
    const result = await parse(input(), file);
    expect(result.container).toBe('jsonl');
    expect(result.format).toBe('trl-standard');
    expect(prompts(result)).toEqual(['one', 'two', 'three']);
    expect(result.errors).toEqual([expect.objectContaining({ file: 'pairs.csv', code: 'container-mismatch', severity: 'warning' })]);
    expect(result.errors[0]!.reason).toMatch(note);
    expect(result.stats).toMatchObject({ imported: 3, rejected: 0, warnings: 1 });
  });

  it('the preview reads it as JSON Lines and shows the same note', async () => {
    const preview = await previewFile(onDisk('pairs.csv', jsonl));
    expect(preview.container).toBe('jsonl');
    expect(preview.sampleRecords).toHaveLength(3);
    expect(preview.errors).toEqual([expect.objectContaining({ code: 'container-mismatch', severity: 'warning' })]);
  });

  it('a JSON array under a .tsv name is read as JSON', async () => {
    const result = await parse(onDisk('pairs.tsv', `[${row('one')}, ${row('two')}]`));
    expect(result.container).toBe('json');
    expect(prompts(result)).toEqual(['one', 'two']);
    expect(result.errors[0]!.reason).toMatch(/named as TSV but holds JSON, so it was read as JSON/);
  });

  it('a real CSV whose header starts with a bracket stays CSV', async () => {
    const result = await parse(onDisk('bracket.csv', '[id],prompt,chosen,rejected\n1,q,a,b\n'));
    expect(result.container).toBe('csv');
    expect(result.errors.filter((e) => e.code === 'container-mismatch')).toEqual([]);
  });
});
