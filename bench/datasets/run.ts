import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStudio, type Studio } from '../../main/core/studio';
import { percentile, type Measurement, type SuiteResult } from '../report';

const WORDS = (
  'time person year way day thing man world life hand part child eye woman place work week case point government company number group problem fact ' +
  'model answer question reason data train policy reward preference chosen rejected token prompt style tone clarity detail summary example ' +
  'river mountain ocean forest city garden kitchen music science history language poem story letter recipe travel health energy market'
).split(' ');

let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const sentence = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');

function writePairs(path: string, n: number): number {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ prompt: `${sentence(12)}? (${i})`, chosen: sentence(40), rejected: sentence(30) }));
  const text = lines.join('\n') + '\n';
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

async function ftsLatencies(studio: Studio, datasetId: number, queries: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < queries; i++) {
    const search = rand() < 0.5 ? WORDS[Math.floor(rand() * WORDS.length)]! : `${WORDS[Math.floor(rand() * WORDS.length)]} ${WORDS[Math.floor(rand() * WORDS.length)]}`;
    const t0 = performance.now();
    await studio.handlers['records.query']({ datasetId, filter: { search }, offset: 0, limit: 200, sort: 'id' });
    samples.push(performance.now() - t0);
  }
  return samples.sort((a, b) => a - b);
}

/**
 * Dataset layer figures: importing 100k pairs through the real import job,
 * and full-text search latency (one page of 200 plus the total count, as the
 * table asks) at 100k and 1M records. Set BENCH_DATASETS_MAX=100000 to skip 1M.
 */
export async function run(): Promise<SuiteResult> {
  const dir = mkdtempSync(join(tmpdir(), 'studio-bench-datasets-'));
  const measurements: Measurement[] = [];
  const studio = createStudio({ workspaceDir: join(dir, 'ws') });
  try {
    const file = join(dir, 'pairs-100k.jsonl');
    const bytes = writePairs(file, 100_000);
    const t0 = performance.now();
    const job = await studio.handlers['datasets.import']({ path: file, datasetName: 'bench' });
    const done = await studio.jobs.settled(job.id);
    const importMs = performance.now() - t0;
    if (done.status !== 'succeeded') throw new Error(`import ${done.status}: ${done.error?.message}`);
    const { datasetId, imported } = done.result as { datasetId: number; imported: number };
    measurements.push({ name: 'import 100k pairs (JSONL, job, FTS indexed)', value: importMs / 1000, unit: 's', n: imported, note: `${(bytes / 2 ** 20).toFixed(0)} MiB; target ≤ 10 s` });

    const at100k = await ftsLatencies(studio, datasetId, 200);
    measurements.push({ name: 'FTS query p50 @100k (page + count)', value: percentile(at100k, 50), unit: 'ms', n: at100k.length });
    measurements.push({ name: 'FTS query p95 @100k (page + count)', value: percentile(at100k, 95), unit: 'ms', n: at100k.length, note: 'target ≤ 50 ms' });

    const max = Number(process.env.BENCH_DATASETS_MAX ?? 1_000_000);
    if (max >= 1_000_000) {
      // Grow the dataset to 1M by inserting directly (the parse path is measured above).
      const t1 = performance.now();
      for (let done = 100_000; done < 1_000_000; done += 50_000) {
        studio.datasets.insertRecords(
          datasetId,
          null,
          Array.from({ length: 50_000 }, (_, i) => ({
            kind: 'preference' as const,
            prompt: [{ role: 'user', content: `${sentence(12)}? (${done + i})` }],
            chosen: [{ role: 'assistant', content: sentence(40) }],
            rejected: [{ role: 'assistant', content: sentence(30) }],
            responses: null,
            system: null,
          })),
        );
      }
      measurements.push({ name: 'insert 900k more records (store, FTS indexed)', value: (performance.now() - t1) / 1000, unit: 's', n: 900_000 });
      const at1m = await ftsLatencies(studio, datasetId, 100);
      measurements.push({ name: 'FTS query p50 @1M (page + count)', value: percentile(at1m, 50), unit: 'ms', n: at1m.length });
      measurements.push({ name: 'FTS query p95 @1M (page + count)', value: percentile(at1m, 95), unit: 'ms', n: at1m.length, note: 'target ≤ 50 ms' });
    }
    return { suite: 'datasets', measurements };
  } finally {
    await studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
