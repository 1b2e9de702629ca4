/**
 * The engine benchmark's shared parts: the work both sides do, the studio's
 * side of it on the real classes, and the statistics.
 *
 * The work: synthetic preference pairs tokenized by the Trainer's own
 * tokenization (plain text, every sequence cut to exactly `seqLen` tokens: a
 * `seqLen/2`-token prompt and response), and
 * - forward: `scoreBatch` (the engine's scoring forward: logits, per-sequence
 *   response log-probs, read back) on one [2 × pairs, seqLen] batch;
 * - full / lora: `Trainer.step()` with the studio's defaults (MMPO preset,
 *   AdamW, cosine schedule, clipping at 1; LoRA r = 8, α = 16 on every linear
 *   layer, the launcher's default) and one micro-batch per step, so a step is
 *   one [2 × pairs, seqLen] forward and backward, as PyTorch's peer does.
 */
import { fileURLToPath } from 'node:url';
import {
  ALL_LINEAR_TARGETS,
  configFromSpec,
  createModel,
  HfTokenizer,
  scoreBatch,
  type LlamaConfig,
  type ModelSpec,
  type ScoreExample,
} from '../../main/engine';
import { epochOrder, Trainer } from '../../main/training';
import type { RecordContent } from '../../shared/datasets';
import { PRESETS } from '../../shared/objectives';
import { RunConfig, type RunConfigInput } from '../../shared/training';
import { REFERENCE_SPEC } from '../models/engine-bench';
import { summarize, timeReps, type RepTimes } from '../report';
import type { PeerMode, TorchPeerJob } from '../models/torch-peer';

export type Mode = PeerMode;
export const MODES: Mode[] = ['forward', 'full', 'lora'];

/** The tokenizer the Trainer tokenizes with (byte-level BPE, 299 ids: every id is valid in any vocabulary the shapes use). */
export const FIXTURE_TOKENIZER = fileURLToPath(new URL('../../test/fixtures/models/tiny-llama', import.meta.url));

export interface BenchShape {
  name: string;
  spec: ModelSpec;
  /** Pairs per step: the batch is twice this (chosen and rejected rows). */
  pairs: number;
  seqLen: number;
}

/** The reference shape: d = 256, 4 layers, 8 heads, vocab 8192; [4, 128] per forward (2 pairs). */
export const REFERENCE: BenchShape = { name: 'reference', spec: REFERENCE_SPEC, pairs: 2, seqLen: 128 };
/** For tests: seconds, not minutes. */
export const TINY: BenchShape = {
  name: 'tiny',
  spec: { modelType: 'llama', vocabSize: 320, hiddenSize: 32, numLayers: 1, numHeads: 4, numKvHeads: 2, intermediateSize: 64 },
  pairs: 1,
  seqLen: 16,
};
export const SHAPES: Record<string, BenchShape> = { reference: REFERENCE, tiny: TINY };

export interface BenchPlan {
  shape: BenchShape;
  warmup: number;
  reps: number;
}

/** The studio's defaults, shaped to one [2 × pairs, seqLen] micro-batch per step. */
export function runConfig(plan: BenchPlan, mode: Mode): RunConfig {
  const input: RunConfigInput = {
    model: {
      kind: 'spec',
      hiddenSize: plan.shape.spec.hiddenSize,
      numLayers: plan.shape.spec.numLayers,
      numHeads: plan.shape.spec.numHeads,
      tokenizerDir: FIXTURE_TOKENIZER,
    },
    objective: PRESETS.mmpo,
    microBatchSize: plan.shape.pairs,
    gradAccumulation: 1,
    maxLength: plan.shape.seqLen,
    maxPromptLength: plan.shape.seqLen / 2,
    chatTemplate: false,
    maxSteps: plan.warmup + plan.reps,
    evalEvery: 0,
    lora: mode === 'lora' ? { rank: 8, alpha: 16 } : null,
  };
  return RunConfig.parse(input);
}

/** Preference records long enough that every side is cut to exactly seqLen tokens. */
export function benchRecords(count: number, seqLen: number): RecordContent[] {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'sigma', 'kappa', 'theta'];
  // The fixture's tokenizer gives at least one token per word: seqLen words per part overflow the cut.
  const text = (seed: number) => Array.from({ length: seqLen }, (_, i) => words[(seed * 7 + i * 3) % words.length]).join(' ');
  return Array.from({ length: count }, (_, i) => ({
    kind: 'preference' as const,
    prompt: [{ role: 'user', content: text(i) }],
    chosen: [{ role: 'assistant', content: ` ${text(i + 1)}` }],
    rejected: [{ role: 'assistant', content: ` ${text(i + 2)}` }],
    responses: null,
    system: null,
  }));
}

/** Enough pairs that no step repeats one within the timed repetitions. */
function pairCount(plan: BenchPlan): number {
  return plan.shape.pairs * (plan.warmup + plan.reps);
}

export interface BenchData {
  config: LlamaConfig;
  tokenizer: HfTokenizer;
  records: RecordContent[];
  pairs: { chosen: ScoreExample; rejected: ScoreExample }[];
}

/** The records and their tokenization, by the Trainer's own `Trainer.tokenize`. */
export async function benchData(plan: BenchPlan): Promise<BenchData> {
  const tokenizer = await HfTokenizer.fromFolder(FIXTURE_TOKENIZER);
  if (!tokenizer) throw new Error(`No tokenizer in ${FIXTURE_TOKENIZER}`);
  const config = configFromSpec(plan.shape.spec);
  if (config.family !== 'llama')
    throw new Error(`The engine benchmark's PyTorch peer is a Llama; ${plan.shape.name} is ${config.modelType}`);
  const records = benchRecords(pairCount(plan), plan.shape.seqLen);
  const tokenized = Trainer.tokenize(runConfig(plan, 'full'), tokenizer, records);
  const pairs = tokenized.map((p) => ({ chosen: p.chosen, rejected: p.rejected! }));
  for (const [i, p] of pairs.entries()) {
    for (const side of [p.chosen, p.rejected]) {
      if (side.inputIds.length !== plan.shape.seqLen)
        throw new Error(`Pair ${i} tokenized to ${side.inputIds.length} tokens, not ${plan.shape.seqLen}: make benchRecords' texts longer`);
    }
  }
  return { config, tokenizer, records, pairs };
}

/**
 * The peer's job for the same plan and mode: the same pairs in the same
 * micro-batches (the Trainer's loader order for training, the first pairs for
 * the forward), the same objective, optimizer and LoRA. `weightsFile`: start
 * from the studio's weights (a saved model.safetensors) rather than the peer's own.
 */
export function peerJob(plan: BenchPlan, mode: Mode, data: BenchData, opts: { weightsFile?: string } = {}): TorchPeerJob {
  const rc = runConfig(plan, mode);
  if (rc.objective.objective !== 'mmpo') throw new Error('The PyTorch peer implements MMPO only');
  // One epoch covers the run (pairCount): the loader's order is that epoch's.
  const pairs = mode === 'forward' ? data.pairs : epochOrder(data.pairs.length, rc.seed, 0).map((i) => data.pairs[i]!);
  return {
    mode,
    model: { ...data.config, ...(opts.weightsFile ? { weightsFile: opts.weightsFile } : {}) },
    pairs,
    microBatchPairs: plan.shape.pairs,
    objective: rc.objective,
    optimizer: rc.optimizer,
    schedule: rc.schedule,
    maxGradNorm: rc.maxGradNorm,
    lora: rc.lora
      ? { rank: rc.lora.rank, alpha: rc.lora.alpha, targetModules: rc.lora.targetModules ?? [...ALL_LINEAR_TARGETS.llama] }
      : null,
    warmup: plan.warmup,
    reps: plan.reps,
  };
}

export interface SideResult {
  timesMs: number[];
  /**
   * Process CPU time of each repetition (all threads). With one thread it is
   * what the repetition would take on an idle core, whatever else the machine
   * runs: the per-core comparison stays readable on a shared machine.
   */
  cpuMs: number[];
  losses: number[];
  peakRssBytes: number;
}

/** Node's peak resident set: resourceUsage's maxRSS is in KiB. */
export function nodePeakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * The studio's side, on whatever tfjs backend is active: the real model
 * classes and the real Trainer. Times each of `reps` repetitions after
 * `warmup` untimed ones.
 */
export async function measureStudio(plan: BenchPlan, mode: Mode, data: BenchData): Promise<SideResult> {
  const model = createModel(data.config, 0);
  const losses: number[] = [];
  let times: RepTimes;
  try {
    if (mode === 'forward') {
      const examples = data.pairs.slice(0, plan.shape.pairs).flatMap((p) => [p.chosen, p.rejected]);
      times = await timeReps(plan.warmup, plan.reps, () => scoreBatch(model, examples, { padId: data.tokenizer.padTokenId ?? 0 }));
    } else {
      const trainer = await Trainer.create({ config: runConfig(plan, mode), model, tokenizer: data.tokenizer, records: data.records });
      try {
        times = await timeReps(plan.warmup, plan.reps, async () => void losses.push((await trainer.step()).metrics['loss']!));
      } finally {
        trainer.dispose();
      }
    }
  } finally {
    model.dispose();
  }
  return { timesMs: times.wallMs, cpuMs: times.cpuMs, losses, peakRssBytes: nodePeakRssBytes() };
}

export interface Spread {
  medianMs: number;
  minMs: number;
  maxMs: number;
  n: number;
}

export function spread(timesMs: number[]): Spread {
  const { median, min, max, n } = summarize(timesMs);
  return { medianMs: median, minMs: min, maxMs: max, n };
}

/** Tokens a timed repetition processes: every row of the [2 × pairs, seqLen] batch. */
export function tokensPerRep(shape: BenchShape): number {
  return 2 * shape.pairs * shape.seqLen;
}
