/**
 * The GPU worker page's tensor backend: tfjs's WebGPU backend on Chromium's
 * own WebGPU (the app's GPU, or a software adapter such as SwiftShader). No
 * fallback inside the page: without an adapter the job fails saying so, and
 * the user runs it on the Node backends (wasm, native) instead.
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  fallback: boolean;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** What the engine's `initBackend` answers (main/engine/backend/select.ts), for the task code that reads it. */
export interface PageBackendInfo {
  name: 'webgpu';
  tfBackend: 'webgpu';
  threads: null;
  simd: null;
  trainingKernels: false;
  notes: string[];
  adapter: AdapterInfo;
}

interface GpuDeviceLike {
  onuncapturederror: ((event: { error: { message: string } }) => void) | null;
  lost: Promise<{ reason: string; message: string }>;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: Record<string, number> & { maxStorageBufferBindingSize: number; maxBufferSize: number };
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<GpuDeviceLike>;
}

/** The limits tfjs asks for itself (tfjs-backend-webgpu's base.ts), at the adapter's values. */
const REQUESTED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
];

let current: PageBackendInfo | null = null;
/** The device's first uncaptured error or its loss: every later read throws it, so no job goes on with wrong numbers. */
let failure: string | null = null;

export class NoAdapterError extends Error {
  readonly code = 'BACKEND_UNAVAILABLE';
}

export class DeviceFailedError extends Error {
  readonly code = 'DEVICE_FAILED';
}

function watch(device: GpuDeviceLike): void {
  device.onuncapturederror = (event) => {
    failure ??= `The GPU reported an error, so the results after it cannot be trusted: ${event.error.message.trim().split('\n')[0]}`;
  };
  void device.lost.then((info) => {
    failure ??=
      `The GPU device was lost (${info.reason}${info.message ? `: ${info.message.trim().split('\n')[0]}` : ''}); ` +
      'what the job saved is intact: resume it, on another backend if the GPU stays unavailable';
  });
}

/** Starts tfjs's webgpu backend on a device of the high-performance adapter, with that adapter's own limits. */
export async function initBackend(): Promise<PageBackendInfo> {
  if (current) return current;
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(o: object): Promise<GpuAdapterLike | null> } } }).navigator?.gpu;
  if (!gpu) throw new NoAdapterError('This window has no WebGPU (navigator.gpu is missing): run the job on another backend.');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new NoAdapterError('Chromium offers no WebGPU adapter on this machine: run the job on another backend.');
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) if (adapter.limits[name] !== undefined) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredLimits });
  watch(device);
  class PageWebGpuBackend extends WebGPUBackend {
    override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
      const values = await super.read(dataId);
      if (failure) throw new DeviceFailedError(failure);
      return values;
    }
  }
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new PageWebGpuBackend(device as never, adapter.info as never), 3);
  if (!(await tf.setBackend('webgpu'))) throw new NoAdapterError("tfjs's webgpu backend failed to start on this adapter.");
  const info: AdapterInfo = {
    vendor: adapter.info?.vendor ?? '',
    architecture: adapter.info?.architecture ?? '',
    description: adapter.info?.description ?? '',
    fallback: (adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter) === true,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
  };
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  current = {
    name: 'webgpu',
    tfBackend: 'webgpu',
    threads: null,
    simd: null,
    trainingKernels: false,
    notes: [`webgpu: Chromium's WebGPU on ${name}${info.fallback ? ' (a software fallback adapter)' : ''}`],
    adapter: info,
  };
  return current;
}

export function currentBackend(): PageBackendInfo | null {
  return current;
}
