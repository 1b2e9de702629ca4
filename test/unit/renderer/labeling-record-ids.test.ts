import { describe, expect, it } from 'vitest';
import { MAX_RECORD_IDS, parseRecordIds } from '../../../renderer/src/pages/labeling/record-ids';

describe('parseRecordIds (the New queue dialog’s record ids)', () => {
  it('reads ids separated by commas, spaces and new lines, with an optional #, each kept once in order', () => {
    expect(parseRecordIds('12, 7 3\n#9,,12 ; 7')).toEqual({ ids: [12, 7, 3, 9] });
  });

  it('names the bad token and its position', () => {
    expect(parseRecordIds('1, 2, x3')).toEqual({ error: '"x3" (item 3) is not a record id: ids are whole numbers from 1.' });
    expect(parseRecordIds('4 0')).toEqual({ error: '"0" (item 2) is not a record id: ids are whole numbers from 1.' });
    expect(parseRecordIds('1.5')).toMatchObject({ error: expect.stringMatching(/^"1\.5" \(item 1\)/) as unknown });
    expect(parseRecordIds('-3')).toMatchObject({ error: expect.stringMatching(/^"-3" \(item 1\)/) as unknown });
    expect(parseRecordIds('99999999999999999999')).toMatchObject({ error: expect.stringMatching(/is not a record id/) as unknown });
  });

  it('asks for at least one id, and at most the number a queue takes', () => {
    expect(parseRecordIds(' , \n')).toEqual({ error: 'Give at least one record id.' });
    const many = Array.from({ length: MAX_RECORD_IDS + 1 }, (_, i) => i + 1).join(' ');
    expect(parseRecordIds(many)).toEqual({ error: `${MAX_RECORD_IDS + 1} record ids: a queue takes at most ${MAX_RECORD_IDS}.` });
  });
});
