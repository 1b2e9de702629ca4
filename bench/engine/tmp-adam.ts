import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/engine/backend';
import { createModel, loss, makeBatch, REFERENCE_SHAPE } from './model';
await initBackend({ backend: 'wasm', threads: Number(process.argv[2] ?? 1) });
const model = createModel(REFERENCE_SHAPE);
const { ids, targets } = makeBatch(REFERENCE_SHAPE);
const optimizer = tf.train.adam(1e-3);
for (let r = 0; r < 4; r++) {
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => loss(model, ids, targets), model.variables);
  value.dataSync();
  const t1 = performance.now();
  optimizer.applyGradients(grads);
  model.variables[0]!.dataSync();
  const t2 = performance.now();
  tf.dispose([value, ...Object.values(grads)]);
  const f0 = performance.now();
  tf.tidy(() => void loss(model, ids, targets).dataSync());
  const f1 = performance.now();
  console.log(`grads ${(t1 - t0).toFixed(0)} ms, adam ${(t2 - t1).toFixed(0)} ms, forward+loss ${(f1 - f0).toFixed(0)} ms`);
}
