/**
 * `npm run bench [-- SUITE…]`: runs benchmark suites and writes each one's
 * figures to bench-results/<suite>.json plus a table on stdout. Numbers live
 * here, never in timed unit tests.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { report, type SuiteResult } from './report';

const SUITES: Record<string, () => Promise<SuiteResult>> = {
  core: async () => (await import('./core/run')).run(),
  datasets: async () => (await import('./datasets/run')).run(),
  'datasets-ui': async () => (await import('./datasets-ui/run')).run(),
  'compare-ui': async () => (await import('./compare-ui/run')).run(),
  labeler: async () => (await import('./labeler/run')).run(),
  labels: async () => (await import('./labels/run')).run(),
  models: async () => (await import('./models/run')).run(),
  training: async () => (await import('./training/run')).run(),
  // The paper in miniature (issue 19): the default experiment grid on the demo, `--quick` for its small one.
  replicate: async () => (await import('./replicate')).run(),
};

/**
 * Suites that run as their own script, because each configuration needs a
 * fresh process (wasm's thread count is fixed when its module starts). They
 * write their own JSON and table.
 */
const SCRIPTS: Record<string, string> = {
  engine: fileURLToPath(new URL('./engine/run.ts', import.meta.url)),
  eval: fileURLToPath(new URL('./eval/run.ts', import.meta.url)),
};

/** Flags that take a value (`--out FILE`, `--reps N`, `--shape NAME`): their value is not a suite name. */
const VALUE_FLAGS = new Set(['--out', '--rounds', '--threads', '--backend', '--reps', '--warmup', '--shape']);

const args = process.argv.slice(2);
const wanted: string[] = [];
const flags: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (VALUE_FLAGS.has(arg)) {
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) {
      console.error(`${arg} needs a value.`);
      process.exit(1);
    }
    flags.push(arg, value);
    i++;
  } else if (arg.startsWith('-')) flags.push(arg);
  else wanted.push(arg);
}
const all = [...Object.keys(SUITES), ...Object.keys(SCRIPTS)];
const unknown = wanted.filter((s) => !all.includes(s));
if (unknown.length) {
  console.error(`Unknown benchmark suite: ${unknown.join(', ')}. Suites: ${all.join(', ')}.`);
  process.exit(1);
}
// replicate trains a 32-run grid (about half an hour): it runs when named, not with every suite.
const chosen = wanted.length ? wanted : all.filter((s) => s !== 'replicate');
if (flags.includes('--out') && (chosen.length !== 1 || !SCRIPTS[chosen[0]!])) {
  console.error(`--out FILE names one suite's result file: use it with exactly one of ${Object.keys(SCRIPTS).join(', ')}.`);
  process.exit(1);
}
for (const name of chosen) {
  const script = SCRIPTS[name];
  if (script) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, ...flags], { stdio: 'inherit' });
    if (child.status !== 0) process.exitCode = child.status ?? 1;
  } else report(await SUITES[name]!());
}
