/**
 * `npm run bench [-- SUITE…]`: runs benchmark suites and writes each one's
 * figures to bench-results/<suite>.json plus a table on stdout. Numbers live
 * here, never in timed unit tests.
 */
import { report, type SuiteResult } from './report';

const SUITES: Record<string, () => Promise<SuiteResult>> = {
  core: async () => (await import('./core/run')).run(),
  datasets: async () => (await import('./datasets/run')).run(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((s) => !SUITES[s]);
if (unknown.length) {
  console.error(`Unknown benchmark suite: ${unknown.join(', ')}. Suites: ${Object.keys(SUITES).join(', ')}.`);
  process.exit(1);
}
for (const name of wanted.length ? wanted : Object.keys(SUITES)) {
  report(await SUITES[name]!());
}
