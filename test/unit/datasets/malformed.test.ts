// Malformed input: each problem yields one clear, located error, and every
// valid row around it still imports.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { locatedErrorSchema, parseFile, type ParseResult } from '../../../main/core/datasets/formats';
import { CODEC, FIXTURE_ROWS, writeParquet } from '../../fixtures/datasets/make-parquet';

const encode = (text: string) => new TextEncoder().encode(text);
const row = (prompt: string, chosen = 'good', rejected = 'bad') => JSON.stringify({ prompt, chosen, rejected });
async function parse(bytes: Uint8Array, file: string): Promise<ParseResult> {
  const result = await parseFile(bytes, { file });
  // Every error keeps the shape the import report stores.
  for (const error of result.errors) expect(locatedErrorSchema.strict().parse(error)).toEqual(error);
  return result;
}
const prompts = (result: ParseResult) => result.records.map((r) => r.prompt[0]?.content);
const errorsOnly = (result: ParseResult) => result.errors.filter((e) => e.severity === 'error');

describe('JSONL', () => {
  it('reads a UTF-8 BOM, CRLF line ends and blank lines', async () => {
    const result = await parse(encode(`\uFEFF${row('one')}\r\n\r\n${row('two')}\r\n`), 'bom-crlf.jsonl');
    expect(prompts(result)).toEqual(['one', 'two']);
    expect(result.records[1]!.source).toEqual({ file: 'bom-crlf.jsonl', line: 3, row: 2 });
    expect(result.errors).toEqual([]);
  });

  it('a truncated last line is reported as cut off, with its line; the rows before import', async () => {
    const text = `${row('one')}\n${row('two')}\n{"prompt": "three", "chosen": "go`;
    const result = await parse(encode(text), 'cut.jsonl');
    expect(prompts(result)).toEqual(['one', 'two']);
    expect(result.errors).toEqual([expect.objectContaining({ file: 'cut.jsonl', line: 3, row: 3, code: 'truncated' })]);
    expect(result.errors[0]!.reason).toMatch(/cut off/);
    expect(result.stats).toMatchObject({ rowsSeen: 3, imported: 2, rejected: 1 });
  });

  it('a broken line in the middle costs that row only', async () => {
    const text = `${row('one')}\n{"prompt": "two", chosen: }\n[1, 2]\n${row('four')}\n`;
    const result = await parse(encode(text), 'broken.jsonl');
    expect(prompts(result)).toEqual(['one', 'four']);
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([
      [2, 'json-syntax'],
      [3, 'not-an-object'],
    ]);
    expect(result.errors[1]!.reason).toBe('Row 3 is a list, not an object with named fields.');
  });

  it('invalid UTF-8 rejects only its row, naming the line and byte offset', async () => {
    const before = encode(`${row('one')}\n{"prompt": "t`);
    const bytes = new Uint8Array([...before, 0xff, 0xfe, ...encode(`wo", "chosen": "a", "rejected": "b"}\n${row('three')}\n`)]);
    const result = await parse(bytes, 'latin.jsonl');
    expect(prompts(result)).toEqual(['one', 'three']);
    expect(result.errors).toEqual([expect.objectContaining({ line: 2, row: 2, byteOffset: before.length, code: 'invalid-utf8' })]);
    expect(result.errors[0]!.reason).toMatch(/not valid UTF-8.*offset/);
  });

  it('reads UTF-16 files that carry a byte-order mark', async () => {
    const text = `${row('ünïcode')}\n`;
    const bytes = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(text, 'utf16le'))]);
    const result = await parse(bytes, 'utf16.jsonl');
    expect(prompts(result)).toEqual(['ünïcode']);
  });

  it('wrong types and missing fields are row errors that name the field', async () => {
    const text = [
      row('fine'),
      JSON.stringify({ prompt: 'numbers', chosen: 42, rejected: 'bad' }),
      JSON.stringify({ prompt: 'one side', chosen: 'good' }),
      JSON.stringify({ prompt: { text: 'nested' }, chosen: 'a', rejected: 'b' }),
      JSON.stringify({ prompt: 'list of junk', chosen: [1, 2], rejected: 'b' }),
      row('also fine'),
    ].join('\n');
    const result = await parse(encode(text), 'types.jsonl');
    expect(result.format).toBe('trl-standard');
    expect(prompts(result)).toEqual(['fine', 'also fine']);
    expect(result.errors.map((e) => [e.row, e.field, e.code])).toEqual([
      [2, 'chosen', 'wrong-type'],
      [3, 'rejected', 'missing-field'],
      [4, 'prompt', 'wrong-type'],
      [5, 'chosen', 'wrong-type'],
    ]);
    expect(result.errors[0]!.reason).toBe(
      'Row 2 (line 2): field "chosen" (the chosen response): expected text or a message list, found a number (42)',
    );
    expect(result.errors[1]!.reason).toBe('Row 3 (line 3): field "rejected" (the rejected response) is missing');
  });

  it('an empty side imports, flagged and warned about; a row with no sides imports as a prompt with a warning', async () => {
    const text = [row('empty', '', 'bad'), JSON.stringify({ prompt: 'no sides', chosen: null, rejected: null })].join('\n');
    const result = await parse(encode(text), 'empty-side.jsonl');
    expect(result.records.map((r) => [r.kind, r.flags.emptySide])).toEqual([
      ['preference', true],
      ['prompt-only', false],
    ]);
    expect(result.errors.map((e) => [e.row, e.code, e.severity])).toEqual([
      [1, 'empty-side', 'warning'],
      [2, 'no-preference', 'warning'],
    ]);
  });

  it('a multi-megabyte field imports whole, with a located warning', async () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const result = await parse(encode(`${row('small')}\n${row('big', huge)}\n`), 'huge.jsonl');
    expect(result.records).toHaveLength(2);
    expect(result.records[1]!.chosen![0]!.content).toHaveLength(huge.length);
    expect(errorsOnly(result)).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ row: 2, line: 2, field: 'chosen', code: 'long-field', severity: 'warning' })]);
  });
});

describe('JSON', () => {
  it('reads rows under a top-level key, with each row located by line', async () => {
    const text = `{\n  "version": 2,\n  "data": [\n    ${row('one')},\n    ${row('two')}\n  ]\n}\n`;
    const result = await parse(encode(text), 'wrapped.json');
    expect(prompts(result)).toEqual(['one', 'two']);
    expect(result.records.map((r) => r.source.line)).toEqual([4, 5]);
  });

  it('a bad element costs that row only', async () => {
    const text = `[\n${row('one')},\n{"prompt": "two" "chosen": "x"},\n"just text",\n${row('four')}\n]`;
    const result = await parse(encode(text), 'array.json');
    expect(prompts(result)).toEqual(['one', 'four']);
    expect(result.errors.map((e) => [e.row, e.line, e.code])).toEqual([
      [2, 3, 'json-syntax'],
      [3, 4, 'not-an-object'],
    ]);
  });

  it('a file cut off mid-array keeps the complete rows and reports the cut', async () => {
    const text = `[\n${row('one')},\n${row('two')},\n{"prompt": "thr`;
    const result = await parse(encode(text), 'cut.json');
    expect(prompts(result)).toEqual(['one', 'two']);
    expect(result.errors).toEqual([expect.objectContaining({ row: 3, line: 4, code: 'truncated' })]);
  });

  it('reads JSON Lines saved under a .json name', async () => {
    const result = await parse(encode(`${row('one')}\n${row('two')}\n`), 'actually-lines.json');
    expect(result.container).toBe('jsonl');
    expect(prompts(result)).toEqual(['one', 'two']);
  });
});

describe('CSV and TSV', () => {
  it('reads quoted fields with newlines, commas and quotes, behind a BOM with CRLF', async () => {
    const text = '\uFEFFprompt,chosen,rejected\r\n"Line one\r\nline two","Yes, ""quoted""",no\r\nsimple,a,b\r\n';
    const result = await parse(encode(text), 'quoted.csv');
    expect(result.format).toBe('trl-standard');
    expect(result.records.map((r) => [r.prompt[0]!.content, r.chosen![0]!.content, r.source.line])).toEqual([
      ['Line one\r\nline two', 'Yes, "quoted"', 2],
      ['simple', 'a', 4],
    ]);
  });

  it('ragged rows are rejected with their field counts; the others import', async () => {
    const text = 'prompt,chosen,rejected\np1,a,b\np2,a\np3,a,b,extra\np4,a,b\n';
    const result = await parse(encode(text), 'ragged.csv');
    expect(prompts(result)).toEqual(['p1', 'p4']);
    expect(result.errors.map((e) => [e.row, e.line, e.code])).toEqual([
      [2, 3, 'csv-ragged'],
      [3, 4, 'csv-ragged'],
    ]);
    expect(result.errors[0]!.reason).toMatch(/has 2 fields but the header has 3/);
  });

  it('a multi-megabyte quoted field with newlines keeps the rows after it on their lines', async () => {
    const big = 'line\n'.repeat(400_000);
    const text = `prompt,chosen,rejected\np1,"${big}",b\np2,a,b\n`;
    const result = await parse(encode(text), 'big.csv');
    expect(result.records.map((r) => [r.prompt[0]!.content, r.source.line])).toEqual([
      ['p1', 2],
      ['p2', 400_003],
    ]);
    expect(result.records[0]!.chosen![0]!.content).toBe(big);
  });

  it('an unterminated quote is reported at the row where it opens', async () => {
    const text = 'prompt,chosen,rejected\np1,a,b\n"p2,a,b\np3,a,b\n';
    const result = await parse(encode(text), 'quote.csv');
    expect(prompts(result)).toEqual(['p1']);
    expect(result.errors).toEqual([expect.objectContaining({ row: 2, line: 3, code: 'csv-syntax' })]);
  });

  it('invalid UTF-8 inside a multi-line quoted field rejects that row only', async () => {
    const head = encode('prompt,chosen,rejected\np1,a,b\n"p2\nsecond line ');
    const bytes = new Uint8Array([...head, 0xc3, 0x28, ...encode('",a,b\np3,a,b\n')]);
    const result = await parse(bytes, 'bad-bytes.csv');
    expect(prompts(result)).toEqual(['p1', 'p3']);
    expect(result.errors).toEqual([expect.objectContaining({ row: 2, line: 4, byteOffset: head.length, code: 'invalid-utf8' })]);
  });

  it('a header with no rows is an empty import, not a failure', async () => {
    const result = await parse(encode('prompt,chosen,rejected\n'), 'header-only.csv');
    expect(result.records).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.stats.rowsSeen).toBe(0);
  });
});

describe('files that are not data', () => {
  it('an empty file', async () => {
    const result = await parse(new Uint8Array(), 'empty.jsonl');
    expect(result.errors).toEqual([expect.objectContaining({ file: 'empty.jsonl', code: 'empty-file' })]);
    expect(result.records).toEqual([]);
  });

  it('a file of blank lines', async () => {
    const result = await parse(encode('\n\n  \n'), 'blank.csv');
    expect(result.errors).toEqual([expect.objectContaining({ code: 'empty-file' })]);
  });

  it('binary garbage is named as such, once', async () => {
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    const result = await parse(garbage, 'photo.jsonl');
    expect(result.errors).toEqual([expect.objectContaining({ code: 'binary-file' })]);
    expect(result.errors[0]!.reason).toMatch(/not a text file/);
  });

  it('Parquet: gzip row groups read; a row group in an unsupported codec costs its own rows only', async () => {
    const rows = [...FIXTURE_ROWS, ...FIXTURE_ROWS].map((r, i) => ({ ...r, prompt: `${r.prompt} #${i + 1}` }));
    const bytes = writeParquet(rows, 2, [CODEC.GZIP, CODEC.ZSTD, CODEC.UNCOMPRESSED]);
    const result = await parse(bytes, 'mixed.parquet');
    expect(result.records.map((r) => r.source.row)).toEqual([1, 2, 5, 6]);
    expect(result.records[0]!.prompt[0]!.content).toBe('What is 2 + 2? #1');
    expect(result.errors).toEqual([expect.objectContaining({ file: 'mixed.parquet', row: 3, code: 'parquet-unreadable' })]);
    expect(result.errors[0]!.reason).toMatch(/^Rows 3–4 could not be decoded: .*ZSTD.*Re-save it with snappy, gzip or no compression\.$/);
    expect(result.stats).toMatchObject({ rowsSeen: 6, imported: 4, rejected: 2 });
  });

  it('a Parquet file cut short reports an unreadable footer', async () => {
    const bytes = readFileSync(fileURLToPath(new URL('../../fixtures/datasets/pairs.parquet', import.meta.url)));
    const result = await parse(bytes.subarray(0, bytes.length - 40), 'cut.parquet');
    expect(result.records).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ file: 'cut.parquet', code: 'parquet-unreadable' })]);
  });
});
