// The engine's compute backend: pick and start one, and say what is there.
export { initBackend, currentBackend, shutdownBackend, BackendUnavailableError } from './select';
export type { InitBackendOptions, BackendInfo } from './select';
export { doctorReport, formatDoctorReport } from './doctor';
export { WASM_HEAP_CAP_BYTES, WasmOutOfMemoryError } from './wasm-memory';
export type { DoctorReport } from './doctor';
export { BACKEND_ORDER, detectBackends } from './detect';
export type { Availability, BackendChoice } from './detect';
export { registerWasmTrainingKernels } from './wasm-kernels';
export { FusedAdamOptimizer } from './fused-adam';
