/**
 * The trainer: one optimizer step at a time over micro-batches of tokenized
 * pairs, any objective of mmpo-spec.md, full fine-tuning or LoRA, evaluation
 * on held-out pairs, and checkpoints that resume to the same parameters and
 * the same metrics. No transport, database or process here: the caller drives
 * `step()` and stores what it returns. The checkpoint format lives in
 * checkpoint.ts, the reference log-probs and their cache in reference.ts.
 */
import * as tf from '@tensorflow/tfjs';
import {
  createLora,
  mergeLora,
  padBatch,
  saveModel,
  scoreTensors,
  type CausalLM,
  type HfTokenizer,
  type LoraAdapter,
  type ScoreExample,
} from '../engine';
import { needsReference } from '../../shared/objectives';
import type { RecordContent } from '../../shared/datasets';
import { RunConfig, stepsPerEpoch, totalSteps, type EvalRecord, type RunConfigInput, type StepRecord } from '../../shared/training';
import { hashPairs, loadCheckpointWeights, readOptimizerState, readTrainerState, saveTrainerCheckpoint } from './checkpoint';
import { buildPairs, PairLoader, type DataPosition, type TokenizationSettings, type TokenizedPair } from './data';
import { computeObjective, entropyObjective, type ObjectiveResult, type SideStats } from './objectives';
import { AdamW, clipByGlobalNorm } from './optimizer';
import {
  computeReferenceLogps,
  loadOrCompute,
  referenceMatches,
  type CachedReference,
  type ReferenceLogps,
  type ReferenceOptions,
} from './reference';
import { lrAt } from './schedule';
import { currentBackend } from '../engine/backend/select';
import { checkWebGpuTensorSizes, largestTensors } from '../engine/backend/webgpu';

/** A loss or gradient that is NaN or infinite; the run stops with the step that produced it. */
export class NonFiniteError extends Error {
  readonly code = 'non_finite';
  constructor(
    readonly step: number,
    readonly quantity: 'loss' | 'grad_norm',
    readonly value: number,
  ) {
    super(`Step ${step}: ${quantity} is ${value}; training stopped (try a lower learning rate or enable gradient clipping).`);
  }
}

export interface TrainerInit {
  config: RunConfigInput;
  /** The starting model, which is also the reference model. Trained in place. */
  model: CausalLM;
  tokenizer: HfTokenizer;
  /** Training records (the snapshot's train split). */
  records: RecordContent[];
  /** Held-out records (the test split) for `evaluate()`. */
  testRecords?: RecordContent[];
  /** Reference log-probs for the train / test pairs, given by the caller; computed when absent and needed. */
  reference?: ReferenceLogps;
  testReference?: ReferenceLogps;
  /**
   * Where reference log-probs are cached (`loadOrCompute`): read when there,
   * else computed and written. Ignored when `reference` is given.
   */
  referenceCache?: { dir: string; modelHash: string; snapshotHash: string };
  onReferenceProgress?: (done: number, total: number) => void;
}

/** The reference log-probs a trainer uses, and the cache entry they came from or went to (null when not cached). */
interface References {
  train: ReferenceLogps;
  test: ReferenceLogps | null;
  cache: Omit<CachedReference, 'train' | 'test'> | null;
}

/** Biases and norm weights are not decayed (the HF Trainer's rule). */
function decays(name: string): boolean {
  return !name.endsWith('.bias') && !/norm|ln_/.test(name);
}

export class Trainer {
  readonly config: RunConfig;
  readonly pairs: TokenizedPair[];
  readonly testPairs: TokenizedPair[];
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  private readonly loader: PairLoader;
  private readonly optimizer: AdamW;
  private readonly trainable: tf.Variable[];
  private completed = 0;
  private lastEndedEpoch = false;
  /** On resume: the backend that wrote the checkpoint (null when it did not say, or for a fresh run). */
  checkpointBackend: string | null = null;
  /** ℓref of the train / test pairs; null when the objective needs none. */
  readonly reference: ReferenceLogps | null;
  readonly testReference: ReferenceLogps | null;
  /** The reference cache entry used (`computed`: written by this trainer), or null when none was given or needed. */
  readonly referenceCache: Omit<CachedReference, 'train' | 'test'> | null;

  private constructor(
    config: RunConfig,
    readonly model: CausalLM,
    readonly tokenizer: HfTokenizer,
    built: { pairs: TokenizedPair[]; testPairs: TokenizedPair[] },
    references: References | null,
    readonly lora: LoraAdapter | null,
    position?: DataPosition,
  ) {
    this.config = config;
    this.reference = references?.train ?? null;
    this.testReference = references?.test ?? null;
    this.referenceCache = references?.cache ?? null;
    this.pairs = built.pairs;
    this.testPairs = built.testPairs;
    this.totalSteps = totalSteps(this.pairs.length, config);
    this.stepsPerEpoch = stepsPerEpoch(this.pairs.length, config);
    this.loader = new PairLoader(this.pairs, config.microBatchSize, config.seed, position);
    if (lora) {
      model.adapter = lora;
      this.trainable = lora.variables();
      this.optimizer = new AdamW(this.trainable, config.optimizer);
    } else {
      const named = [...model.weights.entries()];
      this.trainable = named.map(([, v]) => v);
      this.optimizer = new AdamW(
        this.trainable,
        config.optimizer,
        named.map(([n]) => decays(n)),
      );
    }
  }

  get tokenization(): TokenizationSettings {
    return { chatTemplate: this.config.chatTemplate, maxLength: this.config.maxLength, maxPromptLength: this.config.maxPromptLength };
  }

  /** Optimizer steps completed so far (the step number of the last record). */
  get currentStep(): number {
    return this.completed;
  }

  get finished(): boolean {
    return this.completed >= this.totalSteps;
  }

  get position(): DataPosition {
    return this.loader.position;
  }

  /** Whether the caller should checkpoint after the step just taken (every N steps, epoch ends, the last step). */
  get checkpointDue(): boolean {
    if (this.completed === 0) return false;
    const every = this.config.checkpointEvery > 0 && this.completed % this.config.checkpointEvery === 0;
    return every || (this.config.checkpointEachEpoch && this.lastEndedEpoch) || this.finished;
  }

  /** Whether the caller should evaluate after the step just taken. */
  get evalDue(): boolean {
    return this.completed > 0 && ((this.config.evalEvery > 0 && this.completed % this.config.evalEvery === 0) || this.finished);
  }

  /** Tokenizes records with this run's settings (pairwise unless the objective is SFT). */
  static tokenize(
    config: RunConfig,
    tokenizer: HfTokenizer,
    records: RecordContent[],
    pairwise = config.objective.objective !== 'sft',
  ): TokenizedPair[] {
    return buildPairs(
      records,
      tokenizer,
      { chatTemplate: config.chatTemplate, maxLength: config.maxLength, maxPromptLength: config.maxPromptLength },
      pairwise,
    ).pairs;
  }

  /**
   * The reference log-probs of a run's pairs, scored with `init.model` as it
   * is now (so before a checkpoint's weights are loaded): the caller's, else
   * from the cache (`loadOrCompute`), else computed — except on resume, where
   * the starting weights may already be gone.
   */
  private static async references(
    config: RunConfig,
    init: Omit<TrainerInit, 'config'>,
    pairs: TokenizedPair[],
    testPairs: TokenizedPair[],
    resuming: boolean,
  ): Promise<References | null> {
    if (!needsReference(config.objective)) return null;
    const opts: ReferenceOptions = {
      batchSize: config.microBatchSize * 2,
      padId: init.tokenizer.padTokenId ?? 0,
      ...(init.onReferenceProgress ? { onProgress: init.onReferenceProgress } : {}),
    };
    if (!init.reference && init.referenceCache) {
      const { dir, modelHash, snapshotHash } = init.referenceCache;
      const tokenization = { chatTemplate: config.chatTemplate, maxLength: config.maxLength, maxPromptLength: config.maxPromptLength };
      const { train, test, ...cache } = await loadOrCompute(init.model, pairs, testPairs, {
        ...opts,
        dir,
        key: { modelHash, snapshotHash, tokenization },
      });
      return { train, test, cache };
    }
    if (resuming) {
      if (!init.reference || !referenceMatches(init.reference, pairs))
        throw new Error('Resuming needs the cached reference log-probs of the training pairs');
      if (testPairs.length && (!init.testReference || !referenceMatches(init.testReference, testPairs))) {
        throw new Error('Resuming with test records needs their cached reference log-probs');
      }
      return { train: init.reference, test: init.testReference ?? null, cache: null };
    }
    const train = init.reference ?? (await computeReferenceLogps(init.model, pairs, opts));
    const test = init.testReference ?? (testPairs.length ? await computeReferenceLogps(init.model, testPairs, opts) : null);
    if (!referenceMatches(train, pairs)) throw new Error('The cached reference log-probs do not match the training pairs');
    if (test && !referenceMatches(test, testPairs)) throw new Error('The cached reference log-probs do not match the test pairs');
    return { train, test, cache: null };
  }

  /**
   * On webgpu, refuses a run whose batches would make a tensor larger than one
   * GPU buffer binding (Dawn would compute it wrongly), before any work.
   * A batch holds a micro-batch's chosen and rejected sequences.
   */
  private static checkDeviceLimits(config: RunConfig, model: CausalLM, pairs: TokenizedPair[]): void {
    const longest = pairs.reduce((n, p) => Math.max(n, p.chosen.inputIds.length, p.rejected?.inputIds.length ?? 0), 0);
    const rows = Math.min(config.microBatchSize, pairs.length) * 2;
    checkWebGpuTensorSizes(largestTensors(model.config, rows, longest, { rows: 'microBatchSize', seqLen: 'maxLength' }));
  }

  /** A fresh run: tokenizes, reads, computes or checks the reference log-probs, attaches LoRA when configured. */
  static async create(init: TrainerInit): Promise<Trainer> {
    const config = RunConfig.parse(init.config);
    const pairs = Trainer.tokenize(config, init.tokenizer, init.records);
    const testPairs = init.testRecords ? Trainer.tokenize(config, init.tokenizer, init.testRecords, true) : [];
    Trainer.checkDeviceLimits(config, init.model, [...pairs, ...testPairs]);
    const references = await Trainer.references(config, init, pairs, testPairs, false);
    const lora = config.lora
      ? createLora(
          init.model,
          {
            rank: config.lora.rank,
            alpha: config.lora.alpha,
            dropout: config.lora.dropout,
            ...(config.lora.targetModules ? { targetModules: config.lora.targetModules } : {}),
          },
          config.seed,
        )
      : null;
    return new Trainer(config, init.model, init.tokenizer, { pairs, testPairs }, references, lora);
  }

  /**
   * Continues a run from a checkpoint folder. `init.model` is the starting model
   * (its weights are overwritten for full fine-tuning; the adapter is loaded for
   * LoRA); the config comes from the checkpoint, and the reference log-probs must
   * be passed or cached (they come from the starting weights, which the
   * checkpoint replaces).
   */
  static async resume(dir: string, init: Omit<TrainerInit, 'config'>): Promise<Trainer> {
    const state = await readTrainerState(dir);
    const config = RunConfig.parse(state.config);
    const pairs = Trainer.tokenize(config, init.tokenizer, init.records);
    if (hashPairs(pairs) !== state.pairsHash) throw new Error('The training records differ from those the checkpoint was trained on');
    const testPairs = init.testRecords ? Trainer.tokenize(config, init.tokenizer, init.testRecords, true) : [];
    Trainer.checkDeviceLimits(config, init.model, [...pairs, ...testPairs]);
    const references = await Trainer.references(config, init, pairs, testPairs, true);
    const lora = await loadCheckpointWeights(dir, state, init.model);
    const trainer = new Trainer(config, init.model, init.tokenizer, { pairs, testPairs }, references, lora, state.position);
    trainer.optimizer.importState(await readOptimizerState(dir, state));
    trainer.completed = state.step;
    trainer.checkpointBackend = state.backend ?? null;
    return trainer;
  }

  private side(
    s: { sumLogProb: tf.Tensor1D; tokenCount: tf.Tensor1D; meanLogit: tf.Tensor1D },
    entropy: tf.Tensor1D | null,
    start: number,
    b: number,
  ): SideStats {
    const cut = (t: tf.Tensor1D) => t.slice(start, b);
    return {
      logpSum: cut(s.sumLogProb),
      length: cut(s.tokenCount),
      meanLogit: cut(s.meanLogit),
      ...(entropy ? { entropyObjective: cut(entropy) } : {}),
    };
  }

  /**
   * Scores a padded batch of `b` pairs (chosen rows first, then rejected ones)
   * into the objective's per-side inputs, with H_obj (M10) when the entropy
   * term is on — training and evaluation alike, so the objective's loss is the
   * same function of the model in both.
   */
  private scoreSides(batch: ReturnType<typeof padBatch>, b: number, pairwise: boolean) {
    const objective = this.config.objective;
    const withEntropy = objective.objective === 'mmpo' && objective.entropy;
    const s = scoreTensors(this.model, batch, { withEntropy });
    const entropy = withEntropy ? entropyObjective(s.tokenLogProbs, s.entropy!, s.responseMask, objective.lengthNorm) : null;
    const chosen = this.side(s, entropy, 0, b);
    return { s, chosen, rejected: pairwise ? this.side(s, entropy, b, b) : chosen };
  }

  /**
   * Scores a micro-batch (chosen and rejected in one padded batch) and applies
   * the objective. Call inside a tidy or gradient function.
   */
  private objectiveOf(
    pairs: TokenizedPair[],
    reference: ReferenceLogps | null,
    batch: ReturnType<typeof padBatch>,
    pairwise: boolean,
  ): ObjectiveResult {
    const { chosen, rejected } = this.scoreSides(batch, pairs.length, pairwise);
    const objective = this.config.objective;
    const refs = reference
      ? {
          refChosen: tf.tensor1d(pairs.map((p) => reference.chosen[this.indexOf(p)]!)),
          refRejected: tf.tensor1d(pairs.map((p) => reference.rejected[this.indexOf(p)]!)),
        }
      : {};
    return computeObjective(objective, { chosen, rejected, ...refs });
  }

  private readonly pairIndex = new Map<TokenizedPair, number>();
  /** Position of a pair in its own list (train or test), which is how reference arrays are indexed. */
  private indexOf(p: TokenizedPair): number {
    if (this.pairIndex.size === 0) {
      this.pairs.forEach((q, i) => this.pairIndex.set(q, i));
      this.testPairs.forEach((q, i) => this.pairIndex.set(q, i));
    }
    const i = this.pairIndex.get(p);
    if (i === undefined) throw new Error('Pair does not belong to this trainer');
    return i;
  }

  private examplesOf(pairs: TokenizedPair[], pairwise: boolean): ScoreExample[] {
    return pairwise ? [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected!)] : pairs.map((p) => p.chosen);
  }

  /**
   * One optimizer step over up to `gradAccumulation` micro-batches (fewer at an
   * epoch's end). The step's gradient is the mean over its pairs.
   */
  async step(): Promise<StepRecord> {
    if (this.finished) throw new Error(`The run is complete (${this.totalSteps} steps)`);
    const started = performance.now();
    const stepNumber = this.completed + 1;
    const pairwise = this.config.objective.objective !== 'sft';
    const micro: TokenizedPair[][] = [];
    this.lastEndedEpoch = false;
    while (micro.length < this.config.gradAccumulation) {
      const mb = this.loader.next();
      micro.push(mb.pairs);
      if (mb.endsEpoch) {
        this.lastEndedEpoch = true;
        break;
      }
    }
    const stepPairs = micro.reduce((n, m) => n + m.length, 0);
    let accumulated: tf.Tensor[] | null = null;
    const metrics: Record<string, number> = {};
    const weights: number[] = [];
    let tokens = 0;
    try {
      for (const [microIndex, pairs] of micro.entries()) {
        const share = pairs.length / stepPairs;
        // LoRA dropout (when configured) is a function of (seed, step, micro-batch): a resumed run drops the same units.
        if (this.lora) this.lora.dropoutSeed = `${this.config.seed}:${stepNumber}:${microIndex}`;
        const examples = this.examplesOf(pairs, pairwise);
        tokens += examples.reduce((n, e) => n + e.inputIds.length, 0);
        const batch = padBatch(examples, this.tokenizer.padTokenId ?? 0);
        let kept: { names: string[]; values: tf.Tensor; weights: tf.Tensor | null } | null = null;
        try {
          const { value, grads } = tf.variableGrads(() => {
            const r = this.objectiveOf(pairs, this.reference, batch, pairwise);
            const names = Object.keys(r.metrics).sort();
            kept = {
              names,
              values: tf.keep(tf.stack(names.map((n) => r.metrics[n]!))),
              weights: r.weightChosen ? tf.keep(r.weightChosen.clone()) : null,
            };
            return tf.mul<tf.Scalar>(r.loss, share);
          }, this.trainable);
          value.dispose();
          const ordered = this.trainable.map((v) => grads[v.name] ?? tf.zerosLike(v));
          if (accumulated === null) accumulated = ordered;
          else {
            const prev: tf.Tensor[] = accumulated;
            accumulated = prev.map((a, i) => tf.add(a, ordered[i]!));
            tf.dispose([...prev, ...ordered]);
          }
          const k = kept as unknown as { names: string[]; values: tf.Tensor; weights: tf.Tensor | null };
          const vals = await k.values.data();
          k.names.forEach((n, i) => (metrics[n] = (metrics[n] ?? 0) + vals[i]! * share));
          if (k.weights) weights.push(...(await k.weights.data()));
        } finally {
          const k = kept as unknown as { values: tf.Tensor; weights: tf.Tensor | null } | null;
          if (k) tf.dispose([k.values, ...(k.weights ? [k.weights] : [])]);
          tf.dispose([batch.inputIds, batch.attentionMask, batch.lossMask]);
          if (this.lora) this.lora.dropoutSeed = null;
        }
      }
      const loss = metrics['loss']!;
      if (!Number.isFinite(loss)) throw new NonFiniteError(stepNumber, 'loss', loss);
      const clipped = await clipByGlobalNorm(accumulated!, this.config.maxGradNorm);
      try {
        if (!Number.isFinite(clipped.norm)) throw new NonFiniteError(stepNumber, 'grad_norm', clipped.norm);
        const lr = lrAt(this.completed, this.totalSteps, this.config.schedule, this.config.optimizer.lr);
        this.optimizer.apply(clipped.grads, lr);
        metrics['grad_norm'] = clipped.norm;
        metrics['learning_rate'] = lr;
      } finally {
        tf.dispose(clipped.grads);
      }
    } finally {
      if (accumulated) tf.dispose(accumulated);
    }
    this.completed = stepNumber;
    const epoch = this.loader.fractionalEpoch;
    metrics['tokens_per_second'] = tokens / Math.max(1e-9, (performance.now() - started) / 1000);
    metrics['epoch'] = epoch;
    metrics['step'] = stepNumber;
    return { step: stepNumber, epoch, metrics, weightChosen: weights.length ? weights : null };
  }

  /**
   * Preference accuracy on held-out pairs by objective reward and by raw
   * log-prob margin, mean margins and the objective's loss, in micro-batches of
   * the run's size (MMPO's (M6) depends on it). Defaults to the test records given at init.
   */
  async evaluate(
    pairs: TokenizedPair[] = this.testPairs,
    reference: ReferenceLogps | null = pairs === this.testPairs ? this.testReference : null,
  ): Promise<EvalRecord> {
    if (pairs.length === 0) throw new Error('No evaluation pairs');
    if (needsReference(this.config.objective) && !reference) throw new Error('Evaluation needs reference log-probs of these pairs');
    const evalPairs = pairs.filter((p) => p.rejected);
    const sums = { loss: 0, rewardAccuracy: 0, rewardMargin: 0, logpAccuracy: 0, logpMargin: 0 };
    let hasRewards = false;
    const size = this.config.microBatchSize;
    const index = new Map(pairs.map((p, i) => [p, i]));
    for (let start = 0; start < evalPairs.length; start += size) {
      const chunk = evalPairs.slice(start, start + size);
      const batch = padBatch(this.examplesOf(chunk, true), this.tokenizer.padTokenId ?? 0);
      try {
        const out = tf.tidy(() => {
          const b = chunk.length;
          const { s, chosen, rejected } = this.scoreSides(batch, b, true);
          const ref = reference
            ? {
                refChosen: tf.tensor1d(chunk.map((p) => reference.chosen[index.get(p)!]!)),
                refRejected: tf.tensor1d(chunk.map((p) => reference.rejected[index.get(p)!]!)),
              }
            : {};
          const r = computeObjective(this.config.objective, { chosen, rejected, ...ref });
          const logpMargin = tf.sub(s.sumLogProb.slice(0, b), s.sumLogProb.slice(b, b));
          const pick = (n: string) => r.metrics[n] ?? tf.scalar(NaN);
          return tf.stack([
            r.loss,
            pick('rewards/accuracies'),
            pick('rewards/margins'),
            tf.mean(tf.cast(tf.greater(logpMargin, 0), 'float32')),
            tf.mean(logpMargin),
          ]);
        });
        const v = await out.data();
        out.dispose();
        sums.loss += v[0]! * chunk.length;
        hasRewards = !Number.isNaN(v[1]!);
        sums.rewardAccuracy += v[1]! * chunk.length;
        sums.rewardMargin += v[2]! * chunk.length;
        sums.logpAccuracy += v[3]! * chunk.length;
        sums.logpMargin += v[4]! * chunk.length;
      } finally {
        tf.dispose([batch.inputIds, batch.attentionMask, batch.lossMask]);
      }
    }
    const n = evalPairs.length;
    return {
      step: this.completed,
      pairs: n,
      loss: sums.loss / n,
      rewardAccuracy: hasRewards ? sums.rewardAccuracy / n : null,
      rewardMargin: hasRewards ? sums.rewardMargin / n : null,
      logpAccuracy: sums.logpAccuracy / n,
      logpMargin: sums.logpMargin / n,
    };
  }

  /**
   * Writes `<runDir>/checkpoint-<step>` (checkpoint.ts: model or adapter,
   * optimizer moments, data position, config), then deletes the oldest beyond
   * `keepCheckpoints`. Returns the folder.
   */
  async saveCheckpoint(runDir: string): Promise<string> {
    const state = {
      step: this.completed,
      position: this.loader.position,
      config: this.config,
      rng: { seed: this.config.seed },
      pairsHash: hashPairs(this.pairs),
      lora: this.lora !== null,
      backend: currentBackend()?.name ?? tf.getBackend(),
    };
    return saveTrainerCheckpoint(
      runDir,
      { state, optimizer: await this.optimizer.exportState(), model: this.model, lora: this.lora },
      this.config.keepCheckpoints,
    );
  }

  /**
   * Saves the trained model as a plain HF folder (the "export" of a run). With
   * LoRA the adapter is merged into a copy of the weights for the save, and the
   * base weights are restored afterwards so training can go on.
   */
  async exportModel(dir: string): Promise<void> {
    const source = this.config.model;
    const tokenizerDir = source.kind === 'folder' ? source.path : source.tokenizerDir;
    if (!this.lora) return saveModel(this.model, dir, { tokenizerDir });
    const touched = [...this.lora.layers.keys()].map((m) => this.model.weights.get(`${m}.weight`)!);
    const saved = await Promise.all(touched.map(async (v) => (await v.data()).slice()));
    this.model.adapter = null;
    try {
      mergeLora(this.model, this.lora);
      await saveModel(this.model, dir, { tokenizerDir });
    } finally {
      touched.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(saved[i]!, v.shape))));
      this.model.adapter = this.lora;
    }
  }

  /** Frees the optimizer state and the adapter (the model belongs to the caller). */
  dispose(): void {
    this.optimizer.dispose();
    if (this.lora) {
      if (this.model.adapter === this.lora) this.model.adapter = null;
      this.lora.dispose();
    }
  }
}
