// UnsortedSegmentSum for the wasm backend, which 4.22 lacks. It is the
// gradient of gather, so without it an embedding cannot be trained on wasm.
// A plain loop over heap views: one pass over the rows, ~B·T·d adds.
import * as tf from '@tensorflow/tfjs';
import { heapBuffer } from './wasm-matmul';
import { asInternals, tensorData, type WasmBackendInternals, type WasmTensorInfo } from './wasm-module';

function heapView(backend: WasmBackendInternals, info: WasmTensorInfo): Float32Array | Int32Array {
  const { memoryOffset } = tensorData(backend, info);
  const size = tf.util.sizeFromShape(info.shape);
  const buffer = heapBuffer(backend);
  return info.dtype === 'int32' ? new Int32Array(buffer, memoryOffset, size) : new Float32Array(buffer, memoryOffset, size);
}

/**
 * out[s, ...] = Σ x[i, ...] over rows i with segmentIds[i] = s; ids outside
 * [0, numSegments) are dropped, as in TensorFlow.
 * x: [...idsShape, ...rest], segmentIds: idsShape → out: [numSegments, ...rest].
 */
export function unsortedSegmentSum(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = asInternals(args.backend);
  const x = args.inputs['x'] as WasmTensorInfo;
  const segmentIds = args.inputs['segmentIds'] as WasmTensorInfo;
  const numSegments = Number(args.attrs?.['numSegments']);
  if (x.dtype !== 'float32' && x.dtype !== 'int32')
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32, not ${x.dtype}`);
  if (segmentIds.dtype !== 'int32') throw new Error('UnsortedSegmentSum needs int32 segment ids');
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const rest = x.shape.slice(segmentIds.shape.length);
  const width = tf.util.sizeFromShape(rest);
  // Allocate first: a heap growth would detach views taken before it.
  const out = backend.makeOutput([numSegments, ...rest], x.dtype);
  const outValues = heapView(backend, out);
  const values = heapView(backend, x);
  const ids = heapView(backend, segmentIds);
  outValues.fill(0);
  for (let row = 0; row < rows; row++) {
    const segment = ids[row] ?? -1;
    if (segment < 0 || segment >= numSegments) continue;
    const from = row * width;
    const to = segment * width;
    for (let j = 0; j < width; j++) outValues[to + j]! += values[from + j]!;
  }
  return out;
}

export function registerUnsortedSegmentSum(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum });
}
