// `npm run bench -- engine [--quick] [--reps N] [--warmup N] [--threads 1,2] [--shape reference|tiny] [--backend webgpu] [--out FILE]`
// The studio's real model classes and Trainer step (MMPO; full fine-tune and
// LoRA) and its scoring forward, against PyTorch doing the same work on the
// same tokens, at 1 thread and at every core; see bench/engine/README.md.
// Writes bench-results/engine.json (or --out FILE) and prints a table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RESULTS_DIR } from '../report';
import { SHAPES } from './harness';
import { formatBackendComparison, formatReport, runEngineBench } from './suite';

const argv = process.argv.slice(2);
function value(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}
function count(name: string, fallback: number, min: number): number {
  const raw = value(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} ${raw}: expected a whole number ≥ ${min}`);
  return n;
}

const quick = argv.includes('--quick');
const shapeName = value('shape') ?? 'reference';
const shape = SHAPES[shapeName];
if (!shape) throw new Error(`--shape ${shapeName}: expected one of ${Object.keys(SHAPES).join(', ')}`);
// --quick is a smoke run (2 repetitions); a figure to quote takes ≥ 5.
const reps = count('reps', quick ? 2 : 5, 1);
const warmup = count('warmup', quick ? 1 : 2, 0);
const threadsArg = value('threads');
const threads = threadsArg?.split(',').map((t) => {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--threads ${threadsArg}: expected thread counts like 1,2`);
  return n;
});
const backend = value('backend') ?? 'wasm';
if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`--backend ${backend}: expected wasm or webgpu`);
const out = resolve(value('out') ?? join(RESULTS_DIR, backend === 'webgpu' ? 'engine-webgpu.json' : 'engine.json'));

if (backend === 'webgpu') {
  // The GPU backend next to wasm on the same shapes and tokens (no PyTorch peer: the plain engine bench compares that).
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const common = { shape, reps, warmup, torch: false, log };
  const wasm = await runEngineBench({ ...common, ...(threads ? { threads } : {}), backend: 'wasm' });
  const webgpu = await runEngineBench({ ...common, threads: [1], backend: 'webgpu' });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ suite: 'engine-webgpu', wasm, webgpu }, null, 2)}\n`);
  console.log(formatBackendComparison(wasm, webgpu));
  console.log(`\nwritten to ${out}`);
  process.exit(0);
}

const report = await runEngineBench({
  shape,
  reps,
  warmup,
  ...(threads ? { threads } : {}),
  log: (line) => process.stderr.write(`${line}\n`),
});
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(formatReport(report));
console.log(`\nwritten to ${out}`);
