/**
 * LoRA adapters (Hu et al. 2021) in the PEFT layout, so `PeftModel.from_pretrained`
 * loads what this saves: for each target linear module W (HF name `m`),
 * y = W x + (alpha / r) · B (A x), with A: `lora_A.weight` [r, in] and
 * B: `lora_B.weight` [out, r], stored as `base_model.model.<m>.lora_{A,B}.weight`
 * in adapter_model.safetensors next to adapter_config.json.
 *
 * Dropout on the adapter input (PEFT's `lora_dropout`) applies only while a
 * trainer sets `dropoutSeed` for a training pass; scoring, generation, the
 * reference pass and evaluation never drop. Seeds are derived from the step,
 * so a resumed run drops the same units. TRL's DPOTrainer disables dropout by
 * default (`disable_dropout=True`), hence the studio's default of 0.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EngineError } from './errors';
import type { Adapter, CausalLM } from './models/causal-lm';
import { parameterSpecs } from './models/parameters';
import { SeededRng } from './rng';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from './safetensors';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

export interface LoraConfig {
  rank: number;
  alpha: number;
  dropout: number;
  /** Module name suffixes, as PEFT's `target_modules` (e.g. q_proj, v_proj; GPT-2: c_attn). */
  targetModules: string[];
}

/** Every linear layer of each block, as the paper's Llama-3.2-1B runs. */
export const ALL_LINEAR_TARGETS = {
  llama: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  gpt2: ['c_attn', 'c_proj', 'c_fc'],
} as const;

interface LoraLayer {
  /** [r, in] */
  a: tf.Variable;
  /** [out, r] */
  b: tf.Variable;
}

export class LoraAdapter implements Adapter {
  readonly scale: number;
  /** Set by the trainer for a training pass: inputs are dropped at `config.dropout`, seeded by this and the module. */
  dropoutSeed: string | null = null;
  private readonly moduleIndex: Map<string, number>;

  constructor(
    readonly config: LoraConfig,
    /** HF module name → its A and B. */
    readonly layers: Map<string, LoraLayer>,
  ) {
    this.scale = config.alpha / config.rank;
    this.moduleIndex = new Map([...layers.keys()].map((m, i) => [m, i]));
  }

  /** x [..., in] → scale · dropout(x) Aᵀ Bᵀ [..., out]. */
  delta(module: string, x: tf.Tensor): tf.Tensor | null {
    const layer = this.layers.get(module);
    if (!layer) return null;
    const inDim = x.shape[x.shape.length - 1]!;
    const lead = x.shape.slice(0, -1);
    const input =
      this.dropoutSeed !== null && this.config.dropout > 0
        ? tf.dropout(x, this.config.dropout, undefined, `${this.dropoutSeed}:${this.moduleIndex.get(module)}`)
        : x;
    const low = tf.matMul(input.reshape([-1, inDim]), layer.a, false, true);
    return tf
      .matMul(low, layer.b, false, true)
      .mul(this.scale)
      .reshape([...lead, layer.b.shape[0]]);
  }

  /** The variables to train (pass as varList to the optimizer). */
  variables(): tf.Variable[] {
    return [...this.layers.values()].flatMap((l) => [l.a, l.b]);
  }

  parameterCount(): number {
    return this.variables().reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}

/**
 * Target modules of a model: (module name, in, out, whether the weight is stored [in, out]).
 * As PEFT matches a list: a module is targeted when its name is an entry or ends with `.entry` — so both
 * `q_proj` and the full names PEFT saves after resolving "all-linear" (`model.layers.0.self_attn.q_proj`) work;
 * a string is PEFT's regular expression over the whole name ("all-linear": every block's linear layer).
 */
function targets(model: CausalLM, wanted: string[] | string): { module: string; inDim: number; outDim: number; conv1d: boolean }[] {
  const conv1d = model.config.family === 'gpt2';
  const suffixes = wanted === 'all-linear' ? [...ALL_LINEAR_TARGETS[model.config.family]] : wanted;
  const matches =
    typeof suffixes === 'string'
      ? (module: string) => new RegExp(`^(?:${suffixes})$`).test(module)
      : (module: string) => suffixes.some((s) => module === s || module.endsWith(`.${s}`));
  const out = [];
  for (const spec of parameterSpecs(model.config)) {
    if (!spec.name.endsWith('.weight') || spec.shape.length !== 2) continue;
    const module = spec.name.slice(0, -'.weight'.length);
    if (!matches(module)) continue;
    const [d0, d1] = spec.shape as [number, number];
    out.push({ module, inDim: conv1d ? d0 : d1, outDim: conv1d ? d1 : d0, conv1d });
  }
  if (out.length === 0) {
    throw new EngineError(
      'invalid_input',
      `No ${model.config.modelType} module matches LoRA targets ${typeof suffixes === 'string' ? suffixes : suffixes.join(', ')}`,
    );
  }
  return out;
}

/**
 * New adapters with PEFT's default init: A ~ kaiming-uniform (bound 1/sqrt(in)),
 * B = 0, so the model's outputs are unchanged until training moves B.
 */
export function createLora(model: CausalLM, config: Partial<LoraConfig> & { rank: number }, seed = 0): LoraAdapter {
  const full: LoraConfig = {
    rank: config.rank,
    alpha: config.alpha ?? config.rank,
    dropout: config.dropout ?? 0,
    targetModules: config.targetModules ?? [...ALL_LINEAR_TARGETS[model.config.family]],
  };
  const rng = new SeededRng(seed);
  const layers = new Map<string, LoraLayer>();
  for (const t of targets(model, full.targetModules)) {
    const bound = 1 / Math.sqrt(t.inDim);
    const a = new Float32Array(full.rank * t.inDim);
    for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * bound;
    layers.set(t.module, {
      a: tf.tidy(() => tf.variable(tf.tensor2d(a, [full.rank, t.inDim]), true)),
      b: tf.tidy(() => tf.variable(tf.zeros([t.outDim, full.rank]), true)),
    });
  }
  return new LoraAdapter(full, layers);
}

/** Saves adapter_config.json + adapter_model.safetensors (atomically, temp folder + rename). */
export async function saveLora(adapter: LoraAdapter, model: CausalLM, dir: string, opts: { baseModel?: string } = {}): Promise<void> {
  const target = path.resolve(dir);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp);
  try {
    const tensors: TensorToWrite[] = [];
    for (const [module, l] of adapter.layers) {
      tensors.push({
        name: `base_model.model.${module}.lora_A.weight`,
        shape: l.a.shape,
        data: async () => (await l.a.data()) as Float32Array,
      });
      tensors.push({
        name: `base_model.model.${module}.lora_B.weight`,
        shape: l.b.shape,
        data: async () => (await l.b.data()) as Float32Array,
      });
    }
    await writeSafetensors(path.join(tmp, ADAPTER_WEIGHTS), tensors);
    const config = {
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: opts.baseModel ?? null,
      r: adapter.config.rank,
      lora_alpha: adapter.config.alpha,
      lora_dropout: adapter.config.dropout,
      target_modules: adapter.config.targetModules,
      bias: 'none',
      fan_in_fan_out: model.config.family === 'gpt2',
      use_rslora: false,
      use_dora: false,
      inference_mode: true,
      init_lora_weights: true,
      modules_to_save: null,
    };
    await fs.writeFile(path.join(tmp, ADAPTER_CONFIG), JSON.stringify(config, null, 2) + '\n');
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Loads a PEFT LoRA folder for `model` (not attached: set `model.adapter`). */
export async function loadLora(model: CausalLM, dir: string): Promise<LoraAdapter> {
  const configFile = path.join(dir, ADAPTER_CONFIG);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await fs.readFile(configFile, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new EngineError('model_folder_invalid', `${configFile} cannot be read: ${(e as Error).message}`);
  }
  if (raw.peft_type !== 'LORA')
    throw new EngineError('unsupported_model', `${configFile}: peft_type ${String(raw.peft_type)} is not supported (supported: LORA)`);
  if (raw.use_rslora === true || raw.use_dora === true) {
    throw new EngineError('unsupported_model', `${configFile}: rsLoRA and DoRA adapters are not supported`);
  }
  // Options that change which modules an adapter touches, or how, beyond (r, lora_alpha, target_modules): refused, not ignored.
  const empty = (v: unknown) => v === undefined || v === null || v === false || (typeof v === 'object' && Object.keys(v).length === 0);
  for (const key of ['rank_pattern', 'alpha_pattern', 'layers_to_transform', 'modules_to_save', 'trainable_token_indices', 'lora_bias'])
    if (!empty(raw[key]))
      throw new EngineError('unsupported_model', `${configFile}: ${key} is not supported (${JSON.stringify(raw[key])})`);
  const rank = Number(raw.r);
  const targetsRaw = raw.target_modules;
  const config: LoraConfig = {
    rank,
    alpha: Number(raw.lora_alpha ?? rank),
    dropout: Number(raw.lora_dropout ?? 0),
    targetModules: Array.isArray(targetsRaw) ? (targetsRaw as string[]) : typeof targetsRaw === 'string' ? [targetsRaw] : [],
  };
  const expected = new Map(targets(model, typeof targetsRaw === 'string' ? targetsRaw : config.targetModules).map((t) => [t.module, t]));
  const file = await SafetensorsFile.open(path.join(dir, ADAPTER_WEIGHTS));
  const found = new Map<string, Partial<Record<'a' | 'b', tf.Variable>>>();
  try {
    await file.read((t) => {
      const match = /^base_model\.model\.(.+)\.lora_([AB])(?:\.default)?\.weight$/.exec(t.name);
      const spec = match ? expected.get(match[1]!) : undefined;
      if (!match || !spec) throw new EngineError('weights_mismatch', `${file.file}: unexpected tensor ${t.name}`);
      const want = match[2] === 'A' ? [rank, spec.inDim] : [spec.outDim, rank];
      if (t.shape.join(',') !== want.join(',')) {
        throw new EngineError('weights_mismatch', `${file.file}: ${t.name} has shape [${t.shape.join(',')}], expected [${want.join(',')}]`);
      }
      const entry = found.get(match[1]!) ?? {};
      entry[match[2] === 'A' ? 'a' : 'b'] = tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(t.data), want), true));
      found.set(match[1]!, entry);
    });
    const layers = new Map<string, LoraLayer>();
    for (const module of expected.keys()) {
      const e = found.get(module);
      if (!e?.a || !e.b) throw new EngineError('weights_mismatch', `${file.file} lacks lora_A/lora_B for ${module}`);
      layers.set(module, { a: e.a, b: e.b });
    }
    return new LoraAdapter(config, layers);
  } catch (e) {
    for (const entry of found.values()) tf.dispose([entry.a, entry.b].filter((v): v is tf.Variable => v !== undefined));
    throw e;
  }
}

/** Folds the adapter into the base weights (W += scale · B A; transposed for Conv1D), for export as a full checkpoint. */
export function mergeLora(model: CausalLM, adapter: LoraAdapter): void {
  const conv1d = model.config.family === 'gpt2';
  for (const [module, l] of adapter.layers) {
    const w = model.weights.get(`${module}.weight`);
    if (!w) throw new EngineError('weights_mismatch', `Model has no module ${module}`);
    tf.tidy(() => {
      const delta = tf.matMul(l.b, l.a).mul(adapter.scale); // [out, in]
      w.assign(w.add(conv1d ? delta.transpose() : delta));
    });
  }
}
