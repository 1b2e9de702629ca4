// The kernels that make tfjs-backend-wasm complete and fast for training.
// Registering is idempotent and must happen before the wasm backend is first
// used (kernel setup runs when a backend starts), which initBackend does.
import * as tf from '@tensorflow/tfjs';
import { registerElementwiseKernels } from './wasm-elementwise';
import { registerRowGather } from './wasm-gather';
import { registerRoutedBatchMatMul, xnnBatchMatMul } from './wasm-matmul';
import { asInternals, type WasmTensorInfo } from './wasm-module';
import { registerUnsortedSegmentSum } from './wasm-segment-sum';

type KernelArgs = Parameters<tf.KernelFunc>[0];

function runKernel(name: string, inputs: tf.NamedTensorInfoMap, backend: unknown, attrs: tf.NamedAttrMap = {}): WasmTensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend: backend as tf.KernelBackend, attrs }) as WasmTensorInfo;
}

const activationKernels: Record<string, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  sigmoid: 'Sigmoid',
  elu: 'Elu',
};

/**
 * _FusedMatMul (tf.fused.matMul) through the routed product, then bias and
 * activation as separate kernels. The stock kernel has the same slow path as
 * BatchMatMul for transposed or batched operands.
 */
function routedFusedMatMul(args: KernelArgs): tf.TensorInfo {
  const backend = asInternals(args.backend);
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, WasmTensorInfo | undefined>;
  if (!a || !b) throw new Error('_FusedMatMul needs a and b');
  const attrs = args.attrs ?? {};
  const activationAttr = attrs['activation'] ?? 'linear';
  // Always a string from tfjs; anything else is named in the unsupported-activation error below.
  const activation = typeof activationAttr === 'string' ? activationAttr : JSON.stringify(activationAttr);
  let result = xnnBatchMatMul(backend, {
    a,
    b,
    transposeA: Boolean(attrs['transposeA']),
    transposeB: Boolean(attrs['transposeB']),
  });
  const replace = (next: WasmTensorInfo): void => {
    backend.disposeData(result.dataId);
    result = next;
  };
  if (bias) replace(runKernel('Add', { a: result, b: bias }, backend));
  if (activation === 'linear') return result;
  if (activation === 'prelu') {
    if (!preluActivationWeights) throw new Error('prelu activation needs preluActivationWeights');
    replace(runKernel('Prelu', { x: result, alpha: preluActivationWeights }, backend));
  } else if (activation === 'leakyrelu') {
    replace(runKernel('LeakyRelu', { x: result }, backend, { alpha: Number(attrs['leakyreluAlpha'] ?? 0.2) }));
  } else {
    const kernel = activationKernels[activation];
    if (!kernel) throw new Error(`${activation} activation is not supported by _FusedMatMul on wasm`);
    replace(runKernel(kernel, { x: result }, backend));
  }
  return result;
}

function registerRoutedFusedMatMul(): void {
  const current = tf.getKernel('_FusedMatMul', 'wasm');
  if (current?.kernelFunc === routedFusedMatMul) return;
  const stockSetup = current?.setupFunc;
  if (current) tf.unregisterKernel('_FusedMatMul', 'wasm');
  tf.registerKernel({
    kernelName: '_FusedMatMul',
    backendName: 'wasm',
    ...(stockSetup ? { setupFunc: stockSetup } : {}),
    kernelFunc: routedFusedMatMul,
  });
}

/**
 * Identity (tf.clone, many gradients) and a Cast to the same dtype copy the
 * tensor on stock wasm; like the cpu backend and wasm's own Reshape, share
 * the data and count the reference instead. No wasm kernel writes into its
 * inputs, so sharing is safe. Everything else goes to the stock kernel.
 */
function registerSharing(kernelName: 'Identity' | 'Cast'): void {
  const stock = tf.getKernel(kernelName, 'wasm');
  if (!stock || sharingKernels.has(stock.kernelFunc)) return;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const x = args.inputs['x'] as WasmTensorInfo;
    const sameDtype = kernelName === 'Identity' || args.attrs?.['dtype'] === x.dtype;
    if (x.dtype === 'string' || !sameDtype) return stock.kernelFunc(args) as tf.TensorInfo;
    (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  sharingKernels.add(kernelFunc);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...stock, kernelFunc });
}

const sharingKernels = new Set<tf.KernelFunc>();

/** Registers UnsortedSegmentSum, routes every matmul to the studio's GEMM or XNNPACK, gathers rows with memmove, and stops needless copies. */
export function registerWasmTrainingKernels(): void {
  registerRoutedBatchMatMul();
  registerRoutedFusedMatMul();
  registerUnsortedSegmentSum();
  registerRowGather();
  registerElementwiseKernels();
  registerSharing('Identity');
  registerSharing('Cast');
}
