// The webgpu backend in Node: Dawn's Node binding (the `webgpu` package, prebuilt
// N-API binaries for Linux, macOS and Windows) provides navigator.gpu to
// @tensorflow/tfjs-backend-webgpu. Any vendor's GPU through Vulkan, Metal or
// D3D12; in CI a software adapter (Mesa's lavapipe).
//
// The studio creates the device itself rather than letting tfjs do it, so it
// holds the device: it asks for the adapter's own limits, and it watches
// uncaptured errors and device loss. Dawn reports an invalid or failed
// operation (a buffer over a limit, out of memory) only through
// device.onuncapturederror and goes on computing garbage, so every read of a
// tensor's values (`await t.data()`, at step boundaries) first checks for such
// an error and throws it: a job fails with the error's text, never with a
// silently wrong result.
import type { spawnSync as SpawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { localRequire } from './node-require';

/** The package names, loaded with a non-literal import so neither bundlers nor the typechecker pull in their types. */
const DAWN_PACKAGE = 'webgpu';
const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/** What `studio doctor` shows about the adapter. */
export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A fallback adapter is a software one (lavapipe, SwiftShader, WARP): correct but slower than wasm. */
  fallback: boolean;
  /** The limits that bound tensor sizes, in bytes or counts. */
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

export type WebGpuProbe = { available: true; adapter: WebGpuAdapterInfo } | { available: false; reason: string };

/** The parts of the WebGPU API the studio uses (the real objects come from Dawn). */
interface GpuErrorLike {
  message: string;
  constructor: { name: string };
}
interface GpuDeviceLike {
  readonly lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((event: { error: GpuErrorLike }) => void) | null;
  destroy(): void;
  readonly limits: Record<string, number>;
}
interface GpuAdapterLike {
  readonly info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
  readonly limits: Record<string, number>;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<GpuDeviceLike>;
}
interface GpuLike {
  requestAdapter(options: { powerPreference: 'high-performance' }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(options: string[]): GpuLike;
  globals: Record<string, unknown>;
}
type WebGpuBackendClass = new (
  device: GpuDeviceLike,
  adapterInfo: unknown,
) => tf.KernelBackend & {
  read(dataId: object): Promise<tf.backend_util.BackendValues>;
};

/** The device limits the studio asks for: all the adapter allows of the ones that bound tensor sizes and dispatches. */
const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** A device error: an uncaptured validation or out-of-memory error, or the device lost. Fails the job that saw it. */
export class WebGpuDeviceError extends Error {
  readonly code = 'WEBGPU_DEVICE_ERROR';
}

/** A tensor the job would make is larger than one WebGPU storage binding may be. */
export class WebGpuLimitError extends Error {
  readonly code = 'WEBGPU_LIMIT';
}

let gpu: GpuLike | null = null;
let probe: Promise<WebGpuProbe> | null = null;
let adapter: GpuAdapterLike | null = null;
let device: GpuDeviceLike | null = null;
let deviceFailure: string | null = null;
/** The factory registered for the current device (a tfjs backend on it is reused while it is registered). */
let factory: (() => tf.KernelBackend) | null = null;

function isInstalled(pkg: string): boolean {
  try {
    localRequire().resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Why the Node webgpu backend cannot run in this process at all, or null. */
export function webgpuUnsupportedReason(): string | null {
  if (process.versions['electron']) {
    return (
      "Dawn's Node binding cannot run inside Electron (Electron forbids the external ArrayBuffers it maps GPU buffers into); " +
      "the desktop app runs its GPU engine in a hidden renderer with Chromium's own WebGPU"
    );
  }
  if (!isInstalled(DAWN_PACKAGE)) return `the ${DAWN_PACKAGE} package (Dawn's Node binding) is not installed: run npm ci`;
  if (!isInstalled(TFJS_WEBGPU_PACKAGE)) return `${TFJS_WEBGPU_PACKAGE} is not installed: run npm ci`;
  return null;
}

function describeAdapter(a: GpuAdapterLike): WebGpuAdapterInfo {
  const limit = (name: string) => Number(a.limits[name] ?? 0);
  return {
    vendor: a.info.vendor || 'unknown',
    architecture: a.info.architecture || 'unknown',
    device: a.info.device || 'unknown',
    description: a.info.description || 'unknown',
    fallback: Boolean(a.info.isFallbackAdapter ?? a.isFallbackAdapter),
    limits: {
      maxStorageBufferBindingSize: limit('maxStorageBufferBindingSize'),
      maxBufferSize: limit('maxBufferSize'),
      maxComputeWorkgroupStorageSize: limit('maxComputeWorkgroupStorageSize'),
      maxComputeInvocationsPerWorkgroup: limit('maxComputeInvocationsPerWorkgroup'),
      maxComputeWorkgroupsPerDimension: limit('maxComputeWorkgroupsPerDimension'),
    },
  };
}

/**
 * Loads Dawn once and asks it for an adapter (the high-performance one where
 * there are several). Never throws: an unusable setup is a reason in words.
 */
export function probeWebGpu(): Promise<WebGpuProbe> {
  probe ??= (async (): Promise<WebGpuProbe> => {
    const unsupported = webgpuUnsupportedReason();
    if (unsupported) return { available: false, reason: unsupported };
    try {
      const dawn = (await import(/* @vite-ignore */ DAWN_PACKAGE)) as DawnModule;
      // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode, … as globals, as in a browser.
      Object.assign(globalThis, dawn.globals);
      gpu = dawn.create([]);
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    } catch (error) {
      return { available: false, reason: `Dawn's Node binding failed to load: ${(error as Error).message.split('\n')[0]}` };
    }
    if (!adapter) {
      return {
        available: false,
        reason:
          'Dawn found no WebGPU adapter: no Vulkan, Metal or D3D12 driver offers one (on Linux install a GPU driver with Vulkan, ' +
          "or Mesa ≥ 24's mesa-vulkan-drivers for a software adapter; Debian 12's own Mesa 22.3 is too old)",
      };
    }
    return { available: true, adapter: describeAdapter(adapter) };
  })();
  return probe;
}

type ChildProbe = { fallback: boolean; vendor: string; device: string } | 'none' | null;
let childProbe: ChildProbe | undefined;
/**
 * What auto mode would find, asked of a child process: Dawn writes its
 * drivers' warnings (lavapipe prints two for every adapter) straight to the
 * process's stderr, where they would land in every CLI command's output and
 * every job's log on a machine whose only adapter is a software one — which
 * auto mode then skips anyway. So auto mode opens Dawn here only when the
 * child found an adapter it would use. Null when the child could not say
 * (the in-process probe decides then).
 * Asked once per process (the adapters a machine offers do not change while it runs).
 */
function probeInChildProcess(): ChildProbe {
  if (childProbe !== undefined) return childProbe;
  childProbe = runChildProbe();
  return childProbe;
}

function runChildProbe(): ChildProbe {
  const script =
    "const { pathToFileURL } = await import('node:url');" +
    'const dawn = await import(pathToFileURL(process.argv[1]).href);' +
    "const a = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });" +
    'process.stdout.write(JSON.stringify(a ? { fallback: Boolean(a.info.isFallbackAdapter ?? a.isFallbackAdapter),' +
    " vendor: a.info.vendor || 'unknown', device: a.info.device || 'unknown' } : 'none'));" +
    'process.exit(0);';
  try {
    // Required here, not imported: the GPU worker page bundles this module and has no child processes.
    const { spawnSync } = localRequire()('node:child_process') as { spawnSync: typeof SpawnSync };
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, localRequire().resolve(DAWN_PACKAGE)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    if (child.status !== 0) return null;
    return JSON.parse(child.stdout) as Exclude<ChildProbe, null>;
  } catch {
    return null;
  }
}

/** The adapter the started webgpu backend runs on, or null when webgpu is not started. */
export function webgpuDevice(): { adapter: WebGpuAdapterInfo; limits: Record<string, number> } | null {
  if (!adapter || !device) return null;
  return { adapter: describeAdapter(adapter), limits: device.limits };
}

/** Throws the device's first uncaptured error or its loss, if either happened. */
export function throwIfDeviceFailed(): void {
  if (deviceFailure) throw new WebGpuDeviceError(deviceFailure);
}

function installNavigatorGpu(value: GpuLike): void {
  // Node 21+ has a global navigator (without gpu); Node 20 has none.
  const g = globalThis as { navigator?: object };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator, 'gpu', { value, configurable: true });
}

function watch(d: GpuDeviceLike): void {
  d.onuncapturederror = (event) => {
    deviceFailure ??=
      `The GPU reported an error, so the results after it cannot be trusted (${event.error.constructor.name}: ` +
      `${event.error.message.trim().split('\n')[0]})`;
  };
  void d.lost.then((info) => {
    if (device !== d) return;
    deviceFailure ??=
      `The GPU device was lost (${info.reason}${info.message ? `: ${info.message.trim().split('\n')[0]}` : ''}), so the job stopped; ` +
      'what it saved is intact: resume it, with STUDIO_BACKEND=wasm if the GPU stays unavailable';
  });
}

/**
 * Starts tfjs's webgpu backend on a device with the adapter's own limits.
 * Returns null with a note when it cannot; the caller falls back.
 */
export async function startWebGpu(notes: string[], options: { allowFallbackAdapter: boolean }): Promise<WebGpuAdapterInfo | null> {
  if (device && deviceFailure) {
    // A failed or lost device is not used again: start over with a new adapter and device.
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    releaseWebGpuDevice();
  }
  if (!options.allowFallbackAdapter && !probe && !webgpuUnsupportedReason()) {
    const quiet = probeInChildProcess();
    if (quiet === 'none') {
      notes.push('webgpu: Dawn found no WebGPU adapter');
      return null;
    }
    if (quiet?.fallback) {
      notes.push(
        `webgpu: the only adapter is a software one (${quiet.vendor} ${quiet.device}), slower than wasm; set STUDIO_BACKEND=webgpu to use it anyway`,
      );
      return null;
    }
  }
  const found = await probeWebGpu();
  if (!found.available) {
    notes.push(`webgpu: ${found.reason}`);
    return null;
  }
  if (found.adapter.fallback && !options.allowFallbackAdapter) {
    notes.push(
      `webgpu: the only adapter is a software one (${found.adapter.vendor} ${found.adapter.device}), slower than wasm; ` +
        'set STUDIO_BACKEND=webgpu to use it anyway',
    );
    return null;
  }
  try {
    if (!device) {
      const a = adapter!;
      const requiredLimits: Record<string, number> = {};
      for (const name of REQUESTED_LIMITS) if (a.limits[name] !== undefined) requiredLimits[name] = a.limits[name];
      device = await a.requestDevice({ requiredLimits });
      deviceFailure = null;
      watch(device);
    }
    if (!factory || tf.findBackendFactory('webgpu') !== factory) {
      // Imported only now: the package registers its own factory when navigator.gpu exists at import time.
      const { WebGPUBackend } = (await import(/* @vite-ignore */ TFJS_WEBGPU_PACKAGE)) as { WebGPUBackend: WebGpuBackendClass };
      installNavigatorGpu(gpu!);
      const d = device;
      /** Checks the device before handing out values, so a read after a device error throws it. */
      class StudioWebGpuBackend extends WebGPUBackend {
        override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
          let values: tf.backend_util.BackendValues;
          try {
            values = await super.read(dataId);
          } catch (error) {
            // A lost device fails the read itself; its loss may be reported a moment later.
            await Promise.race([d.lost, new Promise((resolve) => setTimeout(resolve, 100))]);
            throwIfDeviceFailed();
            throw new WebGpuDeviceError(`Reading a tensor back from the GPU failed: ${(error as Error).message.split('\n')[0]}`);
          }
          throwIfDeviceFailed();
          return values;
        }
      }
      if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
      factory = () => new StudioWebGpuBackend(d, adapter!.info);
      tf.registerBackend('webgpu', factory, 1);
    }
    if (!(await tf.setBackend('webgpu'))) {
      notes.push('webgpu: the backend failed to start');
      return null;
    }
  } catch (error) {
    notes.push(`webgpu: the device failed to start (${(error as Error).message.split('\n')[0]})`);
    return null;
  }
  return found.adapter;
}

/** Forgets the device (after the backend was removed); the next start asks for a new adapter and device. */
export function releaseWebGpuDevice(): void {
  device?.destroy();
  device = null;
  deviceFailure = null;
  factory = null;
  // An adapter gives out one device; a new one needs a new adapter.
  adapter = null;
  probe = null;
}

/** For tests of the fault paths: destroys the device as a driver reset would. */
export function destroyWebGpuDeviceForTest(): void {
  device?.destroy();
}

/**
 * Refuses, before any work starts, a tensor larger than one storage binding
 * (Dawn would compute it wrongly and report the error only on the side).
 * `tensors` name the largest tensors the work makes, in float32 elements.
 */
export function checkWebGpuTensorSizes(tensors: { what: string; elements: number; change: string }[]): void {
  if (!device || tf.getBackend() !== 'webgpu') return;
  const limit = Number(device.limits['maxStorageBufferBindingSize'] ?? 0);
  for (const t of tensors) {
    const bytes = t.elements * 4;
    if (bytes > limit) {
      throw new WebGpuLimitError(
        `${t.what} would take ${mib(bytes)}, more than the ${mib(limit)} one WebGPU buffer binding may hold on this adapter ` +
          `(maxStorageBufferBindingSize): ${t.change}, or use another backend (STUDIO_BACKEND=wasm)`,
      );
    }
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * The largest tensors a forward and backward pass of `rows` sequences of
 * `seqLen` tokens makes, for checkWebGpuTensorSizes, each with what shrinks it.
 */
export function largestTensors(
  model: { vocabSize: number; hiddenSize: number; intermediateSize: number; numHeads: number },
  rows: number,
  seqLen: number,
  shrink: { rows: string; seqLen: string },
): { what: string; elements: number; change: string }[] {
  return [
    {
      what: `The logits of a batch (${rows} sequences × ${seqLen} tokens × a vocabulary of ${model.vocabSize})`,
      elements: rows * seqLen * model.vocabSize,
      change: `lower ${shrink.rows} or ${shrink.seqLen}`,
    },
    {
      what: `The attention scores of a batch (${rows} sequences × ${model.numHeads} heads × ${seqLen}² tokens)`,
      elements: rows * model.numHeads * seqLen * seqLen,
      change: `lower ${shrink.seqLen} or ${shrink.rows}`,
    },
    {
      what: `The MLP activations of a batch (${rows * seqLen} tokens × ${model.intermediateSize})`,
      elements: rows * seqLen * model.intermediateSize,
      change: `lower ${shrink.rows} or ${shrink.seqLen}`,
    },
    {
      what: `The embedding matrix (${model.vocabSize} × ${model.hiddenSize})`,
      elements: model.vocabSize * model.hiddenSize,
      change: 'pick a model with a smaller vocabulary or hidden size',
    },
  ];
}
