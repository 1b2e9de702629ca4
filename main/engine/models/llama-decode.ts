/**
 * Generation for Llama-family models on prepared weights: the prompt pass, then
 * one new token per sequence per step in few and cheap ops. A decode step is
 * tiny (~2 FLOP per weight), so its time
 * is per-op overhead: on wasm with threads, every XNNPACK op pays a thread-pool
 * dispatch, every product against a transposed weight pays two transposes and
 * a fresh weight packing, and broadcasting elementwise ops run per row. So:
 *
 * - Weights are prepared once, transposed to [in, out] (XNNPACK packs each once
 *   and keeps it): q, k, their rotate-half images and v in one product, gate and
 *   up in another. RoPE is then `qk·cos + rot(qk)·sin` with no split/neg/concat
 *   (rotate-half is a signed permutation of weight rows, so this is exact).
 * - The cache keeps `forwardWithCache`'s layout [batch, kvHeads, seq, headDim]; a
 *   step appends one position with a concat (a memcpy: cheaper on wasm than
 *   writing into a preallocated variable). With one new token, the projection's
 *   [batch, heads·headDim] already is [batch, heads, 1, headDim]: no transposes.
 * - Attention is two batched products over the head groups, which the wasm
 *   backend keeps on tfjs's single-call loop (backend/wasm-matmul.ts,
 *   fewRowsPerBatch) instead of one XNNPACK operator per head.
 * - cos/sin rows for every position are computed once per generation; the
 *   attention bias exists only when a batch has padding.
 *
 * Every value is computed by the same ops in the same order as `llamaForward`
 * (llama.ts); the logits equal `CausalLM.forwardWithCache`'s bit for bit on the
 * cpu and wasm backends (test/unit/engine/llama-decode.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { LlamaConfig } from '../hf/config';
import { DECODE_WEIGHTS_MAX_BYTES, decodeWeightsBytes } from '../memory';
import {
  attention,
  attentionBias,
  mergeHeads,
  positionsFromMask,
  ropeInverseFrequencies,
  ropeTables,
  splitHeads,
  type KvCache,
} from './layers';
import type { DecodableModel } from './types';

interface LayerWeights {
  inputNorm: tf.Tensor;
  /** [H, (2·(heads + kvHeads) + kvHeads)·d]: q, k, rot(q), rot(k), v. */
  qkv: tf.Tensor2D;
  qkvBias: tf.Tensor | null;
  /** [heads·d, H] */
  o: tf.Tensor2D;
  oBias: tf.Tensor | null;
  postNorm: tf.Tensor;
  /** [H, 2·I]: gate, up. */
  gateUp: tf.Tensor2D;
  gateUpBias: tf.Tensor | null;
  /** [I, H] */
  down: tf.Tensor2D;
  downBias: tf.Tensor | null;
}

/** [out, in] rows of a q or k projection → the rows that compute rotate_half of its output. */
function rotateHalfRows(w: tf.Tensor, heads: number, headDim: number): tf.Tensor {
  const lead = [heads, 2, headDim / 2];
  const rest = w.shape.slice(1);
  const [x1, x2] = tf.split(w.reshape([...lead, ...rest]), 2, 1);
  return tf.concat([x2!.neg(), x1!], 1).reshape(w.shape);
}

/** The model's weights rearranged for decoding; rebuilt when any weight tensor changes. */
export class LlamaDecodeWeights {
  readonly layers: LayerWeights[];
  /** [H, vocab] */
  readonly head: tf.Tensor2D;
  readonly finalNorm: tf.Tensor;
  private readonly sources: object[];
  private readonly owned: tf.Tensor[] = [];

  constructor(readonly model: DecodableModel) {
    const c = model.config as LlamaConfig;
    const w = (name: string): tf.Tensor => model.get(name);
    const opt = (name: string): tf.Tensor | null => (model.has(name) ? model.get(name) : null);
    // Called inside tf.tidy: keeps the prepared copies, the tidy frees their intermediates.
    const keep = <T extends tf.Tensor>(t: T): T => {
      this.owned.push(tf.keep(t));
      return t;
    };
    this.sources = [...model.weights.values()].map((v) => v.dataId);
    this.layers = [];
    for (let i = 0; i < c.numLayers; i++) {
      const p = `model.layers.${i}`;
      const a = `${p}.self_attn`;
      const qkvParts = (suffix: string): tf.Tensor[] => {
        const q = w(`${a}.q_proj.${suffix}`);
        const k = w(`${a}.k_proj.${suffix}`);
        return [q, k, rotateHalfRows(q, c.numHeads, c.headDim), rotateHalfRows(k, c.numKvHeads, c.headDim), w(`${a}.v_proj.${suffix}`)];
      };
      const mlpBias = (name: string): tf.Tensor | null => opt(`${p}.mlp.${name}.bias`);
      tf.tidy(() => {
        this.layers.push({
          inputNorm: w(`${p}.input_layernorm.weight`),
          qkv: keep(tf.concat(qkvParts('weight'), 0).transpose<tf.Tensor2D>()),
          qkvBias: c.qkvBias ? keep(tf.concat(qkvParts('bias'), 0)) : null,
          o: keep(w(`${a}.o_proj.weight`).transpose<tf.Tensor2D>()),
          oBias: opt(`${a}.o_proj.bias`),
          postNorm: w(`${p}.post_attention_layernorm.weight`),
          gateUp: keep(tf.concat([w(`${p}.mlp.gate_proj.weight`), w(`${p}.mlp.up_proj.weight`)], 0).transpose<tf.Tensor2D>()),
          gateUpBias: c.mlpBias ? keep(tf.concat([mlpBias('gate_proj')!, mlpBias('up_proj')!], 0)) : null,
          down: keep(w(`${p}.mlp.down_proj.weight`).transpose<tf.Tensor2D>()),
          downBias: mlpBias('down_proj'),
        });
      });
    }
    this.finalNorm = w('model.norm.weight');
    const head = w(c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
    this.head = tf.tidy(() => keep(head.transpose<tf.Tensor2D>()));
  }

  /** Bytes held by the copies (decodeWeightsBytes in memory.ts predicts it). */
  get bytes(): number {
    return this.owned.reduce((n, t) => n + 4 * t.size, 0);
  }

  /** False once any of the model's weights was replaced (training, merging an adapter, disposal). */
  matches(model: DecodableModel): boolean {
    if (model !== this.model || this.owned.length === 0) return false;
    let i = 0;
    for (const v of model.weights.values()) if (v.isDisposed || v.dataId !== this.sources[i++]) return false;
    return i === this.sources.length;
  }

  dispose(): void {
    tf.dispose(this.owned);
    this.owned.length = 0;
  }
}

/**
 * One generation's decoding state: cos/sin rows for every position up to
 * `maxLen`, and the cache.
 */
export class LlamaDecodeSession {
  private readonly c: LlamaConfig;
  /** [maxLen, (heads + kvHeads)·d]: RoPE rows, tiled across the q and k heads. */
  private readonly cos: tf.Tensor2D;
  private readonly sin: tf.Tensor2D;
  private readonly scale: tf.Scalar;
  private readonly eps: tf.Scalar;
  cache: KvCache | null = null;

  constructor(
    private readonly weights: LlamaDecodeWeights,
    readonly maxLen: number,
  ) {
    this.c = weights.model.config as LlamaConfig;
    const { numHeads: nh, numKvHeads: nkv, headDim: d } = this.c;
    const tiles = Int32Array.from({ length: (nh + nkv) * d }, (_, i) => i % d);
    const inv = ropeInverseFrequencies(d, this.c.ropeTheta, this.c.ropeScaling);
    [this.cos, this.sin] = tf.tidy(() => {
      const positions = tf.range(0, maxLen, 1, 'int32').reshape<tf.Tensor2D>([1, maxLen]);
      const { cos, sin } = ropeTables(positions, inv, maxLen);
      const idx = tf.tensor1d(tiles, 'int32');
      return [tf.gather(cos.reshape([maxLen, d]), idx, 1) as tf.Tensor2D, tf.gather(sin.reshape([maxLen, d]), idx, 1) as tf.Tensor2D];
    });
    this.scale = tf.scalar(1 / Math.sqrt(d));
    this.eps = tf.scalar(this.c.rmsNormEps);
  }

  private rms(x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
    return x.mul(x.square().mean(-1, true).add(this.eps).rsqrt()).mul(weight);
  }

  /**
   * The prompt pass: left-padded token rows [b][s] and their mask → logits of
   * the last position [b, vocab] (the caller's); starts the cache.
   */
  prefill(rows: number[][], mask: number[][]): tf.Tensor2D {
    const b = rows.length;
    const s = rows[0]!.length;
    if (s > this.maxLen) throw new Error(`prompt longer than the prepared length ${this.maxLen}`);
    const out = tf.tidy(() => {
      const { hiddenSize: H, numHeads: nh, numKvHeads: nkv, headDim: d } = this.c;
      const qkDim = (nh + nkv) * d;
      const kvDim = nkv * d;
      const maskT = tf.tensor2d(mask.flat(), [b, s]);
      const positions = positionsFromMask(maskT, s);
      const cos = tf.gather(this.cos, positions); // [b, s, (heads + kvHeads)·d]
      const sin = tf.gather(this.sin, positions);
      const bias = attentionBias(maskT, s);
      const rowsOf = (x: tf.Tensor): tf.Tensor2D => x.reshape<tf.Tensor2D>([b * s, -1]);
      let x: tf.Tensor = tf.gather(this.weights.model.get('model.embed_tokens.weight'), tf.tensor2d(rows.flat(), [b, s], 'int32')); // [b, s, H]
      const keys: tf.Tensor4D[] = [];
      const values: tf.Tensor4D[] = [];
      for (const L of this.weights.layers) {
        const input = x;
        // One tidy per block, as in llamaForward: the prompt's intermediates peak at one block.
        const block = tf.tidy(() => {
          let y: tf.Tensor = tf.matMul(rowsOf(this.rms(input, L.inputNorm)), L.qkv);
          if (L.qkvBias) y = y.add(L.qkvBias);
          const [qk, qkRot, v] = tf.split(y.reshape([b, s, -1]), [qkDim, qkDim, kvDim], -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
          const [q, k] = tf.split(qk.mul(cos).add(qkRot.mul(sin)), [nh * d, kvDim], -1) as [tf.Tensor, tf.Tensor];
          const K = splitHeads(k, nkv, d);
          const V = splitHeads(v, nkv, d);
          let o: tf.Tensor = tf.matMul(rowsOf(mergeHeads(attention(splitHeads(q, nh, d), K, V, bias))), L.o);
          if (L.oBias) o = o.add(L.oBias);
          const mid = input.add(o.reshape([b, s, H]));
          return { x: mid.add(this.mlp(L, rowsOf(mid)).reshape([b, s, H])), K, V };
        });
        keys.push(block.K);
        values.push(block.V);
        x = block.x;
      }
      const last = x.slice([0, s - 1, 0], [b, 1, H]).reshape([b, H]);
      return { logits: tf.matMul<tf.Tensor2D>(this.rms(last, this.weights.finalNorm), this.weights.head), keys, values };
    });
    this.disposeCache();
    this.cache = { keys: out.keys, values: out.values };
    return out.logits;
  }

  /** SwiGLU MLP of rows [n, H] → [n, H], gate and up in one product. */
  private mlp(L: LayerWeights, x: tf.Tensor): tf.Tensor {
    const m = this.rms(x, L.postNorm);
    let gu: tf.Tensor = tf.matMul(m, L.gateUp);
    if (L.gateUpBias) gu = gu.add(L.gateUpBias);
    const [gate, up] = tf.split(gu, 2, -1) as [tf.Tensor, tf.Tensor];
    const down = tf.matMul(gate.mul(gate.sigmoid()).mul(up), L.down);
    return L.downBias ? down.add(L.downBias) : down;
  }

  /**
   * One token per sequence → logits [b, vocab] (the caller's). `positions[i]` is
   * token i's position; `mask` is the attention mask over everything so far
   * including these tokens ([b][seq + 1]; 1 = token, 0 = padding).
   */
  step(tokens: number[], positions: number[], mask: number[][]): tf.Tensor2D {
    const cache = this.cache;
    if (!cache) throw new Error('decode step before the prefill');
    const b = tokens.length;
    const total = mask[0]!.length;
    if (total > this.maxLen) throw new Error(`decode past the prepared length ${this.maxLen}`);
    const out = tf.tidy(() => {
      const c = this.c;
      const { numHeads: nh, numKvHeads: nkv, headDim: d } = c;
      const qkDim = (nh + nkv) * d;
      const kvDim = nkv * d;
      // One sequence (or one position for all): a slice of the tables; else a gather.
      const rope = (table: tf.Tensor2D): tf.Tensor =>
        positions.every((p) => p === positions[0])
          ? table.slice([positions[0]!, 0], [1, -1])
          : tf.gather(table, tf.tensor1d(positions, 'int32'));
      const cos = rope(this.cos);
      const sin = rope(this.sin);
      const bias = mask.some((row) => row.includes(0))
        ? tf.tensor4d(
            mask.flatMap((row) => row.map((m) => (m - 1) * 1e9)),
            [b, 1, 1, total],
          )
        : null;
      let x: tf.Tensor = tf.gather(this.weights.model.get('model.embed_tokens.weight'), tf.tensor1d(tokens, 'int32')); // [b, H]
      const keys: tf.Tensor4D[] = [];
      const values: tf.Tensor4D[] = [];
      this.weights.layers.forEach((L, i) => {
        const h = this.rms(x, L.inputNorm);
        let y: tf.Tensor = tf.matMul(h, L.qkv);
        if (L.qkvBias) y = y.add(L.qkvBias);
        const [qk, qkRot, v] = tf.split(y, [qkDim, qkDim, kvDim], -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
        const roped = qk.mul(cos).add(qkRot.mul(sin));
        const [q, k] = tf.split(roped, [nh * d, kvDim], -1) as [tf.Tensor, tf.Tensor];
        // One position: [b, heads·d] is [b, heads, 1, d], and the query heads of a kv group are adjacent.
        const K = tf.concat([cache.keys[i]!, k.reshape([b, nkv, 1, d])], 2) as tf.Tensor4D;
        const V = tf.concat([cache.values[i]!, v.reshape([b, nkv, 1, d])], 2) as tf.Tensor4D;
        keys.push(K);
        values.push(V);
        let scores = tf.matMul(q.reshape([b, nkv, nh / nkv, d]), K, false, true).mul(this.scale); // [b, kvHeads, rep, t]
        if (bias) scores = scores.add(bias);
        const attn = tf.matMul(tf.softmax(scores, -1), V).reshape([b, nh * d]);
        let o: tf.Tensor = tf.matMul(attn, L.o);
        if (L.oBias) o = o.add(L.oBias);
        const mid = x.add(o);

        x = mid.add(this.mlp(L, mid));
      });
      const logits = tf.matMul<tf.Tensor2D>(this.rms(x, this.weights.finalNorm), this.weights.head);
      return { logits, keys, values };
    });
    this.disposeCache();
    this.cache = { keys: out.keys, values: out.values };
    return out.logits;
  }

  private disposeCache(): void {
    if (this.cache) tf.dispose([...this.cache.keys, ...this.cache.values]);
    this.cache = null;
  }

  dispose(): void {
    this.disposeCache();
    tf.dispose([this.cos, this.sin, this.scale, this.eps]);
  }
}

const prepared = new WeakMap<DecodableModel, LlamaDecodeWeights>();

/**
 * The model's prepared decoding weights, built on first use and kept while its
 * weights stay the same; null where generation should take the generic path
 * (GPT-2, an attached adapter, or copies too large for the heap).
 */
export function decodeWeightsFor(model: DecodableModel): LlamaDecodeWeights | null {
  const c = model.config;
  if (c.family !== 'llama' || model.adapter || decodeWeightsBytes(c) > DECODE_WEIGHTS_MAX_BYTES) return null;
  const existing = prepared.get(model);
  if (existing?.matches(model)) return existing;
  existing?.dispose();
  const fresh = new LlamaDecodeWeights(model);
  prepared.set(model, fresh);
  return fresh;
}

/** Frees a model's prepared decoding weights (e.g. before training it); they are rebuilt when needed. */
export function releaseDecodeWeights(model: DecodableModel): void {
  prepared.get(model)?.dispose();
  prepared.delete(model);
}
