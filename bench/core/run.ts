import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { call, jobSettled } from '../../main/core/client';
import { JobStore } from '../../main/core/jobs/store';
import { createStudio } from '../../main/core/studio';
import { openWorkspace } from '../../main/core/workspace';
import { startServer } from '../../main/server/http';
import { percentile, type Measurement, type SuiteResult } from '../report';

const STUDIO_BIN = fileURLToPath(new URL('../../bin/studio.mjs', import.meta.url));

/** Median wall time of `studio ARGS` as a fresh process (what a person waits for at the prompt), over `runs` runs after one warm-up. */
function cliStartup(args: string[], runs: number, env: NodeJS.ProcessEnv = {}): number {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const res = spawnSync(process.execPath, [STUDIO_BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`studio ${args.join(' ')} failed: ${res.stderr}`);
    if (i > 0) times.push(ms);
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
}

/** The spine's costs: opening a workspace, an API round trip over HTTP, job logging, job start latency, CLI start-up. */
export async function run(): Promise<SuiteResult> {
  const dir = mkdtempSync(join(tmpdir(), 'studio-bench-'));
  const measurements: Measurement[] = [];
  try {
    let t0 = performance.now();
    const workspaceDir = join(dir, 'ws');
    const studio = createStudio({ workspaceDir });
    measurements.push({ name: 'create workspace (migrate from empty)', value: performance.now() - t0, unit: 'ms' });

    const server = await startServer({ studio, port: 0, rendererDir: join(dir, 'no-ui') });
    const overHttp = async (method: string) => {
      const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
        body: '{}',
      });
      await res.json();
    };
    for (let i = 0; i < 50; i++) await overHttp('settings.get');
    const samples: number[] = [];
    for (let i = 0; i < 1000; i++) {
      t0 = performance.now();
      await overHttp('settings.get');
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    measurements.push({ name: 'HTTP API round trip p50 (settings.get)', value: percentile(samples, 50), unit: 'ms', n: samples.length });
    measurements.push({ name: 'HTTP API round trip p95 (settings.get)', value: percentile(samples, 95), unit: 'ms', n: samples.length });

    // The job store itself, on a connection of its own: what every job's log line costs.
    const workspace = openWorkspace(workspaceDir);
    const jobStore = new JobStore(workspace.db);
    const job = jobStore.create({ kind: 'bench', title: 'bench', lane: 'light', params: null });
    const lines = 20_000;
    t0 = performance.now();
    for (let i = 0; i < lines; i++) jobStore.appendLog(job.id, 'info', `line ${i}`);
    workspace.close();
    measurements.push({ name: 'job log append', value: lines / ((performance.now() - t0) / 1000), unit: 'lines/s', n: lines });

    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      const firstProgress = new Promise<void>((resolve) => {
        const off = studio.events.subscribe((e) => {
          if (e.type === 'job.updated' && e.job.progress > 0) {
            off();
            resolve();
          }
        });
      });
      const started = await call(studio, 'jobs.startSelfTest', { steps: 1, stepMs: 0 });
      await firstProgress;
      latencies.push(performance.now() - t0);
      await jobSettled(studio, started.id);
    }
    latencies.sort((a, b) => a - b);
    measurements.push({
      name: 'job start → first progress (worker fork)',
      value: percentile(latencies, 50),
      unit: 'ms',
      n: latencies.length,
      note: 'median; includes tsx start-up of the worker',
    });

    await server.close();
    await studio.close();

    // Issue 12 item 11: these start without loading the engine or tfjs; target under 1 s.
    const cliWorkspace = join(dir, 'cli-ws');
    for (const args of [
      ['--help'],
      ['info', '--workspace', cliWorkspace],
      ['datasets', '--workspace', cliWorkspace],
      ['jobs', '--workspace', cliWorkspace],
    ]) {
      measurements.push({
        name: `studio ${args[0]} start-up`,
        value: cliStartup(args, 5),
        unit: 'ms',
        n: 5,
        note: 'median wall time of the process; tsx cache warm',
      });
    }
    measurements.push({
      name: 'studio --help start-up, tsx cache off',
      value: cliStartup(['--help'], 5, { TSX_DISABLE_CACHE: '1' }),
      unit: 'ms',
      n: 5,
      note: 'median; every source transpiled again',
    });
    return { suite: 'core', measurements };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
