// What `studio doctor` prints about compute: every backend, available or not
// and why, the threads and memory it would run with.
import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { defaultWasmThreads, detectBackends, wasmSimdSupported, type Availability } from './detect';
import { currentBackend, type BackendInfo } from './select';
import { relaxedSimdAvailable } from './wasm-gemm';
import { gemmEnabled, gemmError } from './wasm-matmul';
import { WASM_HEAP_CAP_BYTES } from './wasm-memory';
import { threadsUnsupportedReason } from './wasm-threads';
import { probeWebGpu, type WebGpuProbe } from './webgpu';

export interface DoctorReport {
  backends: Availability[];
  /** The backend initBackend() started in this process, if any. */
  active: BackendInfo | null;
  cpu: { model: string; logicalCores: number };
  wasm: {
    simd: boolean;
    /** Threads the wasm backend uses (the active one) or would use. */
    threads: number;
    threadsNote: string;
    /** Whether relaxed SIMD's fused multiply-add is available to the studio's kernels. */
    fma: boolean;
    /** What does the matrix products on wasm, in words. */
    matmul: string;
    heapCapBytes: number;
    version: string;
  };
  /** The WebGPU adapter Dawn offers here (vendor, architecture, fallback or not, limits), or why none. */
  webgpu: WebGpuProbe;
  memory: { totalBytes: number; freeBytes: number };
  versions: { tfjs: string; node: string };
}

export async function doctorReport(): Promise<DoctorReport> {
  const active = currentBackend();
  const threadsReason = threadsUnsupportedReason();
  const wasmThreads = active?.name === 'wasm' && active.threads !== null ? active.threads : threadsReason ? 1 : defaultWasmThreads();
  const activeNote =
    active?.name === 'wasm'
      ? active.notes.find((note) => note.startsWith('wasm: ') && !note.includes('GEMM'))?.slice('wasm: '.length)
      : undefined;
  const fma = relaxedSimdAvailable();
  return {
    backends: await detectBackends(),
    active,
    cpu: { model: cpus()[0]?.model.trim() ?? 'unknown', logicalCores: availableParallelism() },
    wasm: {
      simd: await wasmSimdSupported(),
      threads: wasmThreads,
      threadsNote:
        activeNote ??
        (threadsReason
          ? `1 thread: ${threadsReason}`
          : `multi-threaded through worker_threads (set STUDIO_WASM_THREADS to change; default: every core, at most 8)`),
      fma,
      matmul: !gemmEnabled()
        ? 'XNNPACK (STUDIO_WASM_GEMM=xnnpack)'
        : `the studio's GEMM, ${fma ? 'fused multiply-add (relaxed SIMD)' : 'SIMD multiply and add (no relaxed SIMD here)'}; XNNPACK for products of 1–15 rows against transposed weights${gemmError() ? ` — last start failed: ${gemmError()}` : ''}`,
      heapCapBytes: WASM_HEAP_CAP_BYTES,
      version: version_wasm,
    },
    webgpu: await probeWebGpu(),
    memory: { totalBytes: totalmem(), freeBytes: freemem() },
    versions: { tfjs: tf.version.tfjs, node: process.versions.node },
  };
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** The report as lines of text for a terminal. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = ['Backends (in the order they are tried):'];
  for (const backend of report.backends) {
    const active = report.active?.name === backend.name ? ' (active)' : '';
    lines.push(`  ${backend.available ? 'yes' : 'no '}  ${backend.name.padEnd(8)}${active}  ${backend.reason}`);
  }
  lines.push(`CPU: ${report.cpu.model}, ${report.cpu.logicalCores} logical cores`);
  lines.push(`wasm: SIMD ${report.wasm.simd ? 'yes' : 'no'}, ${report.wasm.threads} thread(s) — ${report.wasm.threadsNote}`);
  lines.push(`wasm matmuls: ${report.wasm.matmul}`);
  lines.push(`wasm heap cap: ${gib(report.wasm.heapCapBytes)} (larger models need a native backend or LoRA)`);
  if (report.webgpu.available) {
    const { adapter } = report.webgpu;
    const { limits } = adapter;
    lines.push(
      `WebGPU adapter: ${adapter.vendor}, architecture ${adapter.architecture}, ${adapter.description} (device ${adapter.device}) — ` +
        (adapter.fallback ? 'a software (fallback) adapter' : 'a hardware adapter'),
    );
    lines.push(
      `WebGPU limits: storage binding ${mib(limits.maxStorageBufferBindingSize)} (the largest tensor), buffer ${mib(limits.maxBufferSize)}, ` +
        `workgroup storage ${limits.maxComputeWorkgroupStorageSize / 1024} KiB, ${limits.maxComputeInvocationsPerWorkgroup} invocations per workgroup, ` +
        `${limits.maxComputeWorkgroupsPerDimension} workgroups per dimension`,
    );
  } else {
    lines.push(`WebGPU adapter: none — ${report.webgpu.reason}`);
  }
  lines.push(`Memory: ${gib(report.memory.freeBytes)} free of ${gib(report.memory.totalBytes)}`);
  lines.push(`tfjs ${report.versions.tfjs}, tfjs-backend-wasm ${report.wasm.version}, Node ${report.versions.node}`);
  return lines.join('\n');
}
