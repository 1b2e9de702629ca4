// Engine backend benchmark: training and forward tokens/s of a Llama-style
// model on the reference shape (d=256, 4 layers, 8 heads, vocab 8192, seq 128,
// batch 4), for stock tfjs-backend-wasm and our XNNPACK-routed wasm at 1 and 2
// threads, each with its 1024³ matmul ceiling; plus the same model in PyTorch
// + OpenBLAS when Debian's python3-torch is installed, and the ratios.
//   node --import tsx bench/engine/run.ts [--quick] [--out FILE]
// Each configuration runs in its own process, one after another.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const outIndex = process.argv.indexOf('--out');
const outFile = outIndex >= 0 ? process.argv[outIndex + 1]! : join(here, '../../bench-results/engine.json');

interface Result {
  config: string;
  threads: number;
  matmulCeilingGflops: number;
  forwardMs: number;
  forwardTokensPerSec: number;
  trainMs: number;
  trainTokensPerSec: number;
  losses: number[];
  error?: string;
}

function runJson(command: string, args: string[], env: Record<string, string> = {}): Result | { error: string } {
  const child = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600_000 });
  const line = child.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (child.status !== 0 || !line) return { error: (child.error?.message ?? child.stderr ?? '').trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(line) as Result;
}

const tfjsConfigs = [
  { matmul: 'routed', threads: 2, steps: quick ? 2 : 5, forwards: quick ? 2 : 5 },
  { matmul: 'routed', threads: 1, steps: quick ? 2 : 5, forwards: quick ? 2 : 5 },
  { matmul: 'stock', threads: 2, steps: 1, forwards: 2 },
  { matmul: 'stock', threads: 1, steps: 1, forwards: 2 },
];

const results: (Result | { config: string; error: string })[] = [];
for (const c of tfjsConfigs) {
  const name = `${c.matmul} wasm, ${c.threads} thread${c.threads === 1 ? '' : 's'}`;
  process.stderr.write(`running ${name}…\n`);
  const args = ['--import', 'tsx', join(here, 'measure.ts'), '--matmul', c.matmul, '--threads', String(c.threads), '--steps', String(c.steps), '--forwards', String(c.forwards)];
  const result = runJson(process.execPath, args);
  results.push('config' in result ? result : { config: name, ...result });
}

const python = '/usr/bin/python3';
const torchAvailable = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
let torch: Result | null = null;
if (torchAvailable) {
  // Best setting on a 2-core machine: torch's own pool 1 thread, OpenBLAS 2
  // (2 and 2 oversubscribe the cores and run 2–3× slower).
  process.stderr.write('running PyTorch peer…\n');
  const blasThreads = String(Math.min(2, availableParallelism()));
  const result = runJson(python, [join(here, 'torch_peer.py'), '--threads', '1', '--steps', quick ? '3' : '8', '--forwards', quick ? '3' : '8'], {
    OPENBLAS_NUM_THREADS: blasThreads,
  });
  if ('config' in result) {
    torch = { ...result, config: `${result.config}, OpenBLAS ${blasThreads} threads` };
    results.push(torch);
  } else {
    results.push({ config: 'PyTorch peer', ...result });
  }
}

const ok = (r: (typeof results)[number]): r is Result => !('error' in r && r.error);
const table = [
  ['config', 'train ms', 'train tok/s', 'fwd ms', 'fwd tok/s', 'matmul GFLOP/s', 'train ×torch', 'fwd ×torch'],
  ...results.map((r) =>
    ok(r)
      ? [
          r.config,
          r.trainMs.toFixed(0),
          r.trainTokensPerSec.toFixed(0),
          r.forwardMs.toFixed(0),
          r.forwardTokensPerSec.toFixed(0),
          r.matmulCeilingGflops.toFixed(1),
          torch ? (r.trainTokensPerSec / torch.trainTokensPerSec).toFixed(3) : '-',
          torch ? (r.forwardTokensPerSec / torch.forwardTokensPerSec).toFixed(3) : '-',
        ]
      : [r.config, `failed: ${r.error ?? ''}`],
  ),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
for (const row of table) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
if (!torchAvailable) console.log('PyTorch peer skipped: /usr/bin/python3 cannot import torch (apt-get install python3-torch libopenblas0-pthread)');

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  `${JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: availableParallelism(), shape: 'd=256, 4 layers, 8 heads, ffn 704, vocab 8192, seq 128, batch 4', results }, null, 2)}\n`,
);
console.log(`wrote ${outFile}`);
