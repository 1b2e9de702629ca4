// GatherV2 on axis 0 (an embedding lookup) for the wasm backend: one memmove
// per gathered row. tfjs-backend-wasm 4.22's Gather computes every element's
// address through generic strides: 6.8 ms for 512 rows of 256 floats, more
// than a forward pass's whole attention. Other axes, batch dims and dtypes
// keep the stock kernel.
import * as tf from '@tensorflow/tfjs';
import { heapBuffer } from './wasm-matmul';
import { asInternals, tensorData, type WasmTensorInfo } from './wasm-module';

type KernelArgs = Parameters<tf.KernelFunc>[0];

let stockGather: tf.KernelConfig | undefined;

function rowGather(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs['x'] as WasmTensorInfo;
  const indices = args.inputs['indices'] as WasmTensorInfo;
  const axis = tf.util.parseAxisParam(Number(args.attrs?.['axis'] ?? 0), x.shape)[0];
  const batchDims = Number(args.attrs?.['batchDims'] ?? 0);
  const fourBytes = x.dtype === 'float32' || x.dtype === 'int32';
  if (axis !== 0 || batchDims !== 0 || !fourBytes || indices.dtype !== 'int32' || !stockGather) {
    if (!stockGather) throw new Error('stock GatherV2 kernel missing');
    return stockGather.kernelFunc(args) as tf.TensorInfo;
  }
  const backend = asInternals(args.backend);
  const rows = x.shape[0] ?? 0;
  const rowSize = tf.util.sizeFromShape(x.shape.slice(1));
  const count = tf.util.sizeFromShape(indices.shape);
  // Allocate first: a heap growth would detach views taken before it.
  const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  const heap = new Int32Array(heapBuffer(backend));
  const ids = tensorData(backend, indices).memoryOffset / 4;
  const from = tensorData(backend, x).memoryOffset / 4;
  const to = tensorData(backend, out).memoryOffset / 4;
  for (let i = 0; i < count; i++) {
    const row = heap[ids + i]!;
    if (!(row >= 0 && row < rows)) {
      backend.disposeData(out.dataId);
      throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`);
    }
    heap.copyWithin(to + i * rowSize, from + row * rowSize, from + (row + 1) * rowSize);
  }
  return out;
}

export function registerRowGather(): void {
  const current = tf.getKernel('GatherV2', 'wasm');
  if (!current || current.kernelFunc === rowGather) return;
  stockGather = current;
  tf.unregisterKernel('GatherV2', 'wasm');
  tf.registerKernel({ ...current, kernelFunc: rowGather });
}
