// Keyset pagination of the records table: walking a view page by page with
// cursors (forward with `after`, backward with `before`, or from the end)
// returns exactly the rows that OFFSET paging returns, in the same order, for
// every sort — including runs of equal sort keys that straddle page edges.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../main/core/studio';
import { recordCursor, RecordSort, type RecordFilter, type RecordSummary } from '../../shared/datasets';
import { call } from '../../main/core/client';
import type { MethodArgs } from '../../shared/contract';
import { tempDir } from '../helpers/tmp';
import { withStores } from '../helpers/workspace';

const N = 1234;
const PAGE = 100;
let studio: Studio;
let datasetId: number;
let cleanup = () => {};

beforeAll(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  const workspaceDir = join(t.dir, 'ws');
  // Few distinct lengths: every length sort has long runs of ties that cross page edges. Written through the store, before the studio opens.
  withStores(workspaceDir, ({ datasets }) => {
    datasetId = datasets.createDataset('keyset').id;
    datasets.insertRecords(
      datasetId,
      null,
      Array.from({ length: N }, (_, i) => ({
        kind: 'preference' as const,
        prompt: [{ role: 'user', content: `${i % 3 === 0 ? 'alpha' : 'beta'} ${'p'.repeat(i % 4)}` }],
        chosen: [{ role: 'assistant', content: 'c'.repeat(1 + (i % 5)) }],
        rejected: [{ role: 'assistant', content: `state-of-the-art ${'r'.repeat(i % 2)}` }],
        responses: null,
        system: null,
        split: i % 7 === 0 ? ('test' as const) : ('train' as const),
      })),
    );
  });
  studio = createStudio({ workspaceDir });
});
afterAll(async () => {
  await studio.close();
  cleanup();
});

const FILTERS: RecordFilter[] = [{}, { splits: ['train'] }, { search: 'alpha' }, { search: 'state-of-the-art alpha' }];

const query = (filter: RecordFilter, sort: RecordSort, page: Partial<MethodArgs<'records.query'>>) =>
  call(studio, 'records.query', { datasetId, filter, sort, offset: 0, limit: PAGE, ...page });

/** The view as OFFSET paging returns it (how the table paged before cursors). */
async function byOffset(filter: RecordFilter, sort: RecordSort): Promise<number[]> {
  const ids: number[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { rows } = await query(filter, sort, { offset });
    ids.push(...rows.map((r) => r.id));
    if (rows.length < PAGE) return ids;
  }
}

describe('keyset pagination', () => {
  it('OFFSET paging orders by the sort key, ties by ascending id (the reference the cursors must match)', async () => {
    const all = (await query({}, 'id', { limit: 1000 })).rows.concat((await query({}, 'id', { limit: 1000, offset: 1000 })).rows);
    expect(all).toHaveLength(N);
    for (const sort of RecordSort.options) {
      const column = sort.replace(/^-/, '') as 'id' | 'promptChars' | 'chosenChars' | 'rejectedChars';
      const sign = sort.startsWith('-') ? -1 : 1;
      const expected = [...all]
        .sort((a: RecordSummary, b: RecordSummary) =>
          column === 'id' ? sign * (a.id - b.id) : sign * (a[column] - b[column]) || a.id - b.id,
        )
        .map((r) => r.id);
      expect(await byOffset({}, sort), sort).toEqual(expected);
    }
  });

  for (const filter of FILTERS) {
    for (const sort of RecordSort.options) {
      it(`walks ${JSON.stringify(filter)} sorted by ${sort} forward and backward to the same rows as OFFSET`, async () => {
        const expected = await byOffset(filter, sort);
        expect(expected.length).toBeGreaterThan(PAGE);

        const forward: number[] = [];
        let after: RecordSummary | undefined;
        for (;;) {
          const { rows, total } = await query(filter, sort, { count: false, ...(after ? { after: recordCursor(after, sort) } : {}) });
          expect(total).toBeNull();
          forward.push(...rows.map((r) => r.id));
          // A server that ignored the cursor would return the first page forever.
          if (rows.length < PAGE || forward.length > expected.length) break;
          after = rows.at(-1);
        }
        expect(forward).toEqual(expected);

        // From the end, then each page before the first row of the one after it.
        const backward: number[][] = [];
        let page = (await query(filter, sort, { fromEnd: true })).rows;
        while (page.length > 0 && backward.length <= expected.length / PAGE) {
          backward.unshift(page.map((r) => r.id));
          page = (await query(filter, sort, { before: recordCursor(page[0]!, sort) })).rows;
        }
        expect(backward.flat()).toEqual(expected);
        expect(backward.at(-1)).toEqual(expected.slice(-PAGE));

        // A jump into the middle from the end: the same rows as OFFSET from the start.
        const tail = (await query(filter, sort, { fromEnd: true, offset: 150, limit: 50 })).rows.map((r) => r.id);
        expect(tail).toEqual(expected.slice(expected.length - 200, expected.length - 150));
      });
    }
  }

  it('refuses a cursor without the sorted column, and one that is both after and before', async () => {
    await expect(async () => query({}, 'promptChars', { after: { id: 5 } })).rejects.toThrow(/needs the row's promptChars/);
    await expect(async () => query({}, 'id', { after: { id: 5 }, before: { id: 9 } })).rejects.toThrow(
      /either after a cursor or before one/,
    );
  });
});
