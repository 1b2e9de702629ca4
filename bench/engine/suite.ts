/**
 * The engine benchmark: the studio's real model classes and Trainer (one
 * process per configuration, `child.ts`) against the PyTorch peer doing the
 * same work (`../models/torch_peer.py`), at equal thread counts, with
 * medians, spreads, tokens/s, peak RSS and the targets as ratios.
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadAverage, machineInfo } from '../report';
import { runTorchPeer, type PeerThreads, type TorchPeerOutcome } from '../models/torch-peer';
import {
  benchData,
  MODES,
  peerJob,
  spread,
  tokensPerRep,
  type BenchPlan,
  type BenchShape,
  type Mode,
  type SideResult,
  type Spread,
} from './harness';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface EngineBenchOptions {
  shape: BenchShape;
  warmup: number;
  reps: number;
  /** Thread counts to compare at (default 1 and every core). */
  threads?: number[];
  modes?: Mode[];
  /** The studio side's backend (wasm unless a test asks for cpu, or `--backend webgpu`). */
  backend?: 'wasm' | 'cpu' | 'webgpu';
  /** Whether to run the PyTorch peer (default true; the backend comparison leaves it out). */
  torch?: boolean;
  /** The peer's interpreter; a missing one makes the peer report itself unavailable. */
  python?: string;
  /**
   * torch's split of N threads between its own pool and OpenBLAS's. Default
   * { torch: 1, blas: N }: the faster split here (see bench/engine/README.md).
   */
  torchSplit?: (threads: number) => PeerThreads;
  log?: (line: string) => void;
}

export interface SideFigures {
  wall: Spread;
  cpu: Spread;
  tokensPerSecond: number;
  peakRssBytes: number;
  losses: number[];
  /** Load average when this side finished. */
  loadAverage: number[];
}

export interface ConfigResult {
  threads: number;
  mode: Mode;
  studio: (SideFigures & { backend: string; notes: string[]; wasmHeapBytes?: number }) | { error: string };
  torch: (SideFigures & { split: PeerThreads; torchVersion: string; blas: string }) | { error: string };
}

export interface Target {
  name: string;
  value: number | null;
  target: string;
  met: boolean | null;
  /** What the figure is computed from. */
  basis: string;
}

export interface EngineBenchReport {
  suite: 'engine';
  date: string;
  shape: { name: string; spec: BenchShape['spec']; batch: [number, number]; tokensPerRep: number };
  plan: { warmup: number; reps: number; threads: number[] };
  torch: { available: boolean; reason?: string };
  results: ConfigResult[];
  ratios: Record<string, number | null>;
  targets: Target[];
  machine: ReturnType<typeof machineInfo> & { loadAverageAtStart: number[] };
}

function figures(side: SideResult, tokens: number): SideFigures {
  const wall = spread(side.timesMs);
  return {
    wall,
    cpu: spread(side.cpuMs),
    tokensPerSecond: (tokens * 1000) / wall.medianMs,
    peakRssBytes: side.peakRssBytes,
    losses: side.losses,
    loadAverage: loadAverage(),
  };
}

type ChildResult = SideResult & { backend: string; notes: string[]; wasmHeapBytes?: number };

function runChild(args: string[]): Promise<ChildResult | { error: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CHILD, ...args], { timeout: 600_000, maxBuffer: 1 << 22 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (error || !line)
        resolve({ error: `${error?.message.split('\n')[0] ?? 'no output'}: ${stderr.trim().split('\n').slice(-3).join(' ')}` });
      else resolve(JSON.parse(line) as ChildResult);
    });
  });
}

const ok = <T extends object>(x: T | { error: string }): x is T => !('error' in x);

export async function runEngineBench(opts: EngineBenchOptions): Promise<EngineBenchReport> {
  const log = opts.log ?? (() => {});
  const loadAverageAtStart = loadAverage();
  const cores = availableParallelism();
  const threads = opts.threads ?? [...new Set([1, cores])];
  const modes = opts.modes ?? MODES;
  const plan: BenchPlan = { shape: opts.shape, warmup: opts.warmup, reps: opts.reps };
  const data = await benchData(plan);
  const tokens = tokensPerRep(opts.shape);
  const split = opts.torchSplit ?? ((n: number) => ({ torch: 1, blas: n }));
  let torchState: { available: boolean; reason?: string } =
    opts.torch === false ? { available: false, reason: 'not run (a backend comparison)' } : { available: true };
  const results: ConfigResult[] = [];
  for (const n of threads) {
    for (const mode of modes) {
      log(`${mode}, ${n} thread${n === 1 ? '' : 's'}: studio…`);
      const child = await runChild([
        '--mode',
        mode,
        '--threads',
        String(n),
        '--shape',
        opts.shape.name,
        '--warmup',
        String(opts.warmup),
        '--reps',
        String(opts.reps),
        '--backend',
        opts.backend ?? 'wasm',
      ]);
      const studio = ok(child)
        ? {
            ...figures(child, tokens),
            backend: child.backend,
            notes: child.notes,
            ...(child.wasmHeapBytes ? { wasmHeapBytes: child.wasmHeapBytes } : {}),
          }
        : child;
      let torch: ConfigResult['torch'] = { error: torchState.reason ?? '' };
      if (torchState.available) {
        log(`${mode}, ${n} thread${n === 1 ? '' : 's'}: PyTorch…`);
        const threadsOf = split(n);
        const peer: TorchPeerOutcome = await runTorchPeer(peerJob(plan, mode, data), {
          threads: threadsOf,
          ...(opts.python ? { python: opts.python } : {}),
        });
        if (peer.available) torch = { ...figures(peer, tokens), split: threadsOf, torchVersion: peer.torch, blas: peer.blas };
        else {
          torch = { error: peer.reason };
          // A missing interpreter or module will not appear on the next configuration.
          if (/not installed|ENOENT/.test(peer.reason)) torchState = { available: false, reason: peer.reason };
        }
      }
      results.push({ threads: n, mode, studio, torch });
    }
  }
  const { ratios, targets } = assess(results, threads);
  return {
    suite: 'engine',
    date: new Date().toISOString(),
    shape: { name: opts.shape.name, spec: opts.shape.spec, batch: [2 * opts.shape.pairs, opts.shape.seqLen], tokensPerRep: tokens },
    plan: { warmup: opts.warmup, reps: opts.reps, threads },
    torch: torchState,
    results,
    ratios,
    targets,
    machine: { ...machineInfo(), loadAverageAtStart },
  };
}

/**
 * The targets as ratios: speed = PyTorch's median ÷ the studio's (≥ 0.5
 * per core, i.e. at one thread each), peak RSS = the studio's ÷ PyTorch's
 * (≤ 1.2), and the studio's median ÷ best at 2 threads (≤ 1.3; every core
 * where the machine has no 2).
 */
export function assess(results: ConfigResult[], threads: number[]): { ratios: Record<string, number | null>; targets: Target[] } {
  const find = (n: number, mode: Mode) => results.find((r) => r.threads === n && r.mode === mode);
  const speed = (n: number, mode: Mode, by: 'wall' | 'cpu'): number | null => {
    const r = find(n, mode);
    return r && ok(r.studio) && ok(r.torch) ? r.torch[by].medianMs / r.studio[by].medianMs : null;
  };
  const rss = (n: number, mode: Mode): number | null => {
    const r = find(n, mode);
    return r && ok(r.studio) && ok(r.torch) ? r.studio.peakRssBytes / r.torch.peakRssBytes : null;
  };
  const spreadOf = (n: number, mode: Mode): number | null => {
    const r = find(n, mode);
    return r && ok(r.studio) ? r.studio.wall.medianMs / r.studio.wall.minMs : null;
  };
  const ratios: Record<string, number | null> = {};
  const targets: Target[] = [];
  const multi = threads.includes(2) ? 2 : Math.max(...threads);
  const modes = [...new Set(results.map((r) => r.mode))];
  for (const mode of modes) {
    for (const n of threads) {
      ratios[`${mode} speed ×torch, ${n} thread(s)`] = speed(n, mode, 'wall');
      ratios[`${mode} speed ×torch by CPU time, ${n} thread(s)`] = speed(n, mode, 'cpu');
      ratios[`${mode} peak RSS ÷torch, ${n} thread(s)`] = rss(n, mode);
      ratios[`${mode} studio median ÷ best, ${n} thread(s)`] = spreadOf(n, mode);
    }
    const what = mode === 'forward' ? 'forward (scoring)' : `training step (${mode === 'full' ? 'full fine-tune' : 'LoRA'})`;
    if (threads.includes(1)) {
      const v = speed(1, mode, 'wall');
      targets.push({
        name: `per-core ${what} speed`,
        value: v,
        target: '≥ 0.5× PyTorch',
        met: v === null ? null : v >= 0.5,
        basis: 'PyTorch median ÷ studio median, 1 thread each',
      });
      // The same by CPU time: on a shared machine, what an idle core would give.
      const c = speed(1, mode, 'cpu');
      targets.push({
        name: `per-core ${what} speed, CPU time`,
        value: c,
        target: '≥ 0.5× PyTorch',
        met: c === null ? null : c >= 0.5,
        basis: 'the same by process CPU time (load-independent)',
      });
      const r = rss(1, mode);
      targets.push({
        name: `peak RSS, ${what}`,
        value: r,
        target: '≤ 1.2× PyTorch',
        met: r === null ? null : r <= 1.2,
        basis: 'studio ÷ PyTorch, 1 thread each',
      });
    }
    if (multi > 1) {
      const s = spreadOf(multi, mode);
      targets.push({
        name: `${multi}-thread median vs best, ${what}`,
        value: s,
        target: '≤ 1.3',
        met: s === null ? null : s <= 1.3,
        basis: `studio median ÷ min over the repetitions, ${multi} threads`,
      });
    }
  }
  return { ratios, targets };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)}`;
const ms = (x: number) => x.toFixed(x >= 100 ? 0 : 1);

/** A side's timing cells: median, min and max ms, repetitions, tokens/s. */
const timingCells = (side: SideFigures): string[] => [
  ms(side.wall.medianMs),
  ms(side.wall.minMs),
  ms(side.wall.maxMs),
  String(side.wall.n),
  side.tokensPerSecond.toFixed(0),
];

/** Rows as aligned columns: the first `leftAligned` padded on the right, the rest (figures) on the left. */
function table(rows: string[][], leftAligned = 2): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i < leftAligned ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The report as text: one row per side and configuration, then the targets. */
export function formatReport(r: EngineBenchReport): string {
  const rows = [['config', 'side', 'median ms', 'min', 'max', 'n', 'tok/s', 'CPU ms', 'peak RSS MiB', 'wasm heap', 'load']];
  for (const c of r.results) {
    const config = `${c.mode}, ${c.threads} thr`;
    for (const [name, side] of [
      ['studio', c.studio],
      ['PyTorch', c.torch],
    ] as const) {
      if (!ok(side)) {
        rows.push([config, name, `unavailable: ${side.error}`]);
        continue;
      }
      const label = 'split' in side ? `PyTorch (torch ${side.split.torch}, BLAS ${side.split.blas})` : 'studio';
      const heap = 'wasmHeapBytes' in side && side.wasmHeapBytes ? mib(side.wasmHeapBytes) : '';
      rows.push([
        config,
        label,
        ...timingCells(side),
        ms(side.cpu.medianMs),
        mib(side.peakRssBytes),
        heap,
        side.loadAverage[0]!.toFixed(1),
      ]);
    }
  }
  const m = r.machine;
  const head = `engine — ${r.shape.name} shape, batch ${r.shape.batch.join(' × ')} (${r.shape.tokensPerRep} tokens a repetition), ${r.plan.warmup} warm-up + ${r.plan.reps} timed; ${m.cpus} × ${m.cpuModel}; load ${m.loadAverageAtStart.join(' ')} at start, ${m.loadAverage.join(' ')} at end`;
  const targets = [
    ['target', 'value', 'goal', 'met', 'basis'],
    ...r.targets.map((t) => [
      t.name,
      t.value === null ? '-' : t.value.toFixed(3),
      t.target,
      t.met === null ? '-' : t.met ? 'yes' : 'NO',
      t.basis,
    ]),
  ];
  const torch = r.torch.available ? '' : `\nPyTorch peer unavailable: ${r.torch.reason}`;
  return `${head}\n${table(rows)}\n\n${table(targets, targets[0]!.length)}${torch}`;
}

/**
 * `--backend webgpu`: the studio on webgpu next to wasm (at each thread
 * count) on the same shape: median step time and tokens/s per mode, and
 * webgpu's speed as a multiple of wasm's.
 */
export function formatBackendComparison(wasm: EngineBenchReport, webgpu: EngineBenchReport): string {
  const rows = [['mode', 'backend', 'median ms', 'min', 'max', 'n', 'tok/s', '× wasm (1 thr)', 'load']];
  for (const mode of MODES) {
    const base = wasm.results.find((r) => r.mode === mode && r.threads === 1)?.studio;
    const sides = [
      ...wasm.results.filter((r) => r.mode === mode).map((r) => [`wasm, ${r.threads} thr`, r.studio] as const),
      ...webgpu.results.filter((r) => r.mode === mode).map((r) => ['webgpu', r.studio] as const),
    ];
    for (const [label, side] of sides) {
      if (!ok(side)) {
        rows.push([mode, label, `unavailable: ${side.error}`]);
        continue;
      }
      const ratio = base && ok(base) ? (side.tokensPerSecond / base.tokensPerSecond).toFixed(2) : '-';
      rows.push([mode, label, ...timingCells(side), ratio, side.loadAverage[0]!.toFixed(1)]);
    }
  }
  const adapter = webgpu.results
    .map((r) => r.studio)
    .find(ok)
    ?.notes.find((n) => n.startsWith('webgpu: ') && !n.includes('only adapter'));
  const m = webgpu.machine;
  const head =
    `engine, webgpu next to wasm — ${webgpu.shape.name} shape, batch ${webgpu.shape.batch.join(' × ')} (${webgpu.shape.tokensPerRep} tokens a repetition), ` +
    `${webgpu.plan.warmup} warm-up + ${webgpu.plan.reps} timed; ${m.cpus} × ${m.cpuModel}; load ${wasm.machine.loadAverageAtStart.join(' ')} at start, ${m.loadAverage.join(' ')} at end` +
    `\n${adapter ?? 'webgpu: adapter unknown'}`;
  return `${head}\n${table(rows)}`;
}
