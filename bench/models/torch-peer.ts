/**
 * Runs the PyTorch peer (torch_peer.py) on the same shape, when Debian's
 * python3-torch is installed, so the benchmark can print tfjs/PyTorch ratios.
 * Its absence is a normal, reported state.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LlamaConfig } from '../../main/engine/hf/config';

export interface TorchPeerResult {
  available: true;
  torch: string;
  threads: number;
  forward: { msPerBatch: number; tokensPerSecond: number };
  train: { msPerStep: number; tokensPerSecond: number } | null;
  matmulGflops: number;
}

export type TorchPeerOutcome = TorchPeerResult | { available: false; reason: string };

export interface TorchPeerOptions {
  batchSize: number;
  seqLen: number;
  iterations?: number;
  train?: boolean;
  /** torch intra-op threads; 1 with OPENBLAS_NUM_THREADS=2 was fastest on 2 cores. */
  torchThreads?: number;
  openblasThreads?: number;
  python?: string;
  scriptPath?: string;
  timeoutMs?: number;
}

export const DEFAULT_PEER_SCRIPT = fileURLToPath(new URL('./torch_peer.py', import.meta.url));

export function runTorchPeer(config: LlamaConfig, opts: TorchPeerOptions): Promise<TorchPeerOutcome> {
  const args = {
    vocab: config.vocabSize,
    hidden: config.hiddenSize,
    layers: config.numLayers,
    heads: config.numHeads,
    kvHeads: config.numKvHeads,
    intermediate: config.intermediateSize,
    batch: opts.batchSize,
    seq: opts.seqLen,
    iterations: opts.iterations ?? 3,
    train: opts.train ?? true,
    threads: opts.torchThreads ?? 1,
  };
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(opts.openblasThreads ?? 2) };
  return new Promise((resolve) => {
    execFile(
      opts.python ?? '/usr/bin/python3',
      [opts.scriptPath ?? DEFAULT_PEER_SCRIPT, JSON.stringify(args)],
      { env, timeout: opts.timeoutMs ?? 600_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
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
