import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** Samples behind the figure, when it is a percentile or a mean. */
  n?: number;
  note?: string;
}

export interface SuiteResult {
  suite: string;
  measurements: Measurement[];
}

export const RESULTS_DIR = fileURLToPath(new URL('../bench-results', import.meta.url));

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** The median (the mean of the middle two for an even count), min and max of a sample. */
export function summarize(values: number[]): { median: number; min: number; max: number; n: number } {
  if (values.length === 0) throw new Error('No timed repetitions');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}

/** One piece of work timed by wall clock and by process CPU time (user + system: on a shared, loaded machine the steadier figure). */
export async function timeOnce<T>(work: () => Promise<T>): Promise<{ wallMs: number; cpuMs: number; value: T }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000, value };
}

/** Each timed repetition's wall-clock and process CPU milliseconds. */
export interface RepTimes {
  wallMs: number[];
  cpuMs: number[];
}

/** Runs `work` `warmup` times untimed, then `reps` times, each timed (timeOnce). */
export async function timeReps(warmup: number, reps: number, work: () => Promise<unknown>): Promise<RepTimes> {
  for (let i = 0; i < warmup; i++) await work();
  const times: RepTimes = { wallMs: [], cpuMs: [] };
  for (let i = 0; i < reps; i++) {
    const { wallMs, cpuMs } = await timeOnce(work);
    times.wallMs.push(wallMs);
    times.cpuMs.push(cpuMs);
  }
  return times;
}

/** 1-, 5- and 15-minute load averages, rounded: figures taken on a busy machine say so. */
export function loadAverage(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

/** The machine a suite ran on, with the load average now. */
export function machineInfo() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
    loadAverage: loadAverage(),
  };
}

/** Writes bench-results/<suite>.json (or `file`) and prints the same figures as a table. */
export function report(result: SuiteResult, file = join(RESULTS_DIR, `${result.suite}.json`)): string {
  mkdirSync(dirname(file), { recursive: true });
  // The load average at the end of the suite.
  const machine = machineInfo();
  writeFileSync(file, JSON.stringify({ ...result, machine, date: new Date().toISOString() }, null, 2) + '\n');
  const rows = result.measurements.map((m) => [
    m.name,
    m.value.toFixed(m.value >= 100 ? 0 : 2),
    m.unit,
    m.n === undefined ? '' : String(m.n),
    m.note ?? '',
  ]);
  const header = ['measurement', 'value', 'unit', 'n', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(`\n${result.suite} — ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`);
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  console.log(`\nwritten to ${file}`);
  return file;
}
