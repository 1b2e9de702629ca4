/**
 * Runs the PyTorch peer (torch_peer.py) on the studio's work — the scoring
 * forward, or a Trainer step (MMPO, full fine-tuning or LoRA) — on the same
 * tokenized pairs, when Debian's python3-torch is installed, so the engine
 * benchmark can set the two side by side. Its absence is a normal, reported
 * state: `{ available: false, reason }`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LlamaConfig, ScoreExample } from '../../main/engine';
import type { MmpoConfig } from '../../shared/objectives';
import type { OptimizerConfig, ScheduleConfig } from '../../shared/training';

export type PeerMode = 'forward' | 'full' | 'lora';

/**
 * The evaluation benchmark's work (bench/eval): `score-pairs` scores the
 * given batches as main/evaluation's scoreInBatches does, `generate` decodes
 * greedily with a KV cache; both on an HF folder's own weights.
 */
export interface TorchPeerEvalJob {
  mode: 'score-pairs' | 'generate';
  /** The model's config as the engine parsed it, and its folder (model.safetensors or shards). */
  model: LlamaConfig & { weightsDir: string };
  /** score-pairs: the studio's batches, in its order (longest first), each padded with `padId`. */
  batches?: ScoreExample[][];
  padId?: number;
  /** generate: prompt token ids, decoded one after another (batch 1), `newTokens` each, no stop token. */
  prompts?: number[][];
  newTokens?: number;
  warmup: number;
  reps: number;
}

/** What the peer is asked to do; mirrors the studio's run config for the same work. */
export interface TorchPeerJob {
  mode: PeerMode;
  /** The architecture; with `weightsFile` (a studio model.safetensors) the peer starts from those weights instead of its own random ones. */
  model: LlamaConfig & { weightsFile?: string };
  /** Tokenized pairs, as the Trainer tokenized them, in the order its loader takes them; micro-batches are consecutive runs of them. */
  pairs: { chosen: ScoreExample; rejected: ScoreExample }[];
  /** Pairs per micro-batch: one forward of [2 × this, T] rows. */
  microBatchPairs: number;
  objective: MmpoConfig;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  maxGradNorm: number | null;
  lora: { rank: number; alpha: number; targetModules: string[] } | null;
  warmup: number;
  reps: number;
  seed?: number;
}

export interface PeerThreads {
  /** torch.set_num_threads (its OpenMP pool for elementwise work). */
  torch: number;
  /** OPENBLAS_NUM_THREADS (the matmuls). */
  blas: number;
}

export interface TorchPeerResult {
  available: true;
  torch: string;
  threads: number;
  /** Which BLAS the process loaded ("openblas" once libopenblas0-pthread is installed). */
  blas: string;
  /** Wall time of each timed repetition, ms. */
  timesMs: number[];
  /** Process CPU time of each repetition (all threads), ms. */
  cpuMs: number[];
  losses: number[];
  /** ru_maxrss of the peer's process. */
  peakRssBytes: number;
  /** Eval modes: the last repetition's output (score-pairs: each batch's summed log-probs; generate: each prompt's new ids). */
  output?: number[][];
}

export type TorchPeerOutcome = TorchPeerResult | { available: false; reason: string };

export interface TorchPeerOptions {
  threads: PeerThreads;
  python?: string;
  scriptPath?: string;
  timeoutMs?: number;
}

export const DEFAULT_PEER_SCRIPT = fileURLToPath(new URL('./torch_peer.py', import.meta.url));
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Runs one peer process; the job travels in a temp file (tokenized pairs are too long for argv on big shapes). */
export function runTorchPeer(job: TorchPeerJob | TorchPeerEvalJob, opts: TorchPeerOptions): Promise<TorchPeerOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'torch-peer-'));
  const jobFile = join(dir, 'job.json');
  writeFileSync(jobFile, JSON.stringify({ ...job, threads: opts.threads.torch }));
  // OMP_NUM_THREADS as well, so neither pool starts more threads than asked.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(opts.threads.blas), OMP_NUM_THREADS: String(opts.threads.torch) };
  return new Promise((resolve) => {
    execFile(
      opts.python ?? DEBIAN_PYTHON,
      [opts.scriptPath ?? DEFAULT_PEER_SCRIPT, jobFile],
      { env, timeout: opts.timeoutMs ?? 600_000, maxBuffer: 1 << 22 },
      (error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        if (error) {
          const why = /No module named 'torch'/.test(stderr)
            ? 'python3-torch is not installed (apt-get install -y python3-torch libopenblas0-pthread)'
            : `${error.message.split('\n')[0]}${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`;
          resolve({ available: false, reason: why });
          return;
        }
        try {
          resolve({ available: true, ...(JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<TorchPeerResult, 'available'>) });
        } catch {
          resolve({ available: false, reason: `unreadable output from the PyTorch peer: ${stdout.slice(0, 200)}` });
        }
      },
    );
  });
}
