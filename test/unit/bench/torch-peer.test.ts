import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchData, measureStudio, peerJob, TINY, type BenchData } from '../../../bench/engine/harness';
import { runTorchPeer } from '../../../bench/models/torch-peer';
import { createModel, saveModel } from '../../../main/engine';

// Debian's python3-torch is a developer tool, absent on CI: there the outcome must say so.
const torchInstalled = existsSync('/usr/lib/python3/dist-packages/torch');
const plan = { shape: TINY, warmup: 1, reps: 2 };
let data: BenchData;
beforeAll(async () => {
  data = await benchData(plan);
});

describe('PyTorch peer', () => {
  it('reports a missing interpreter as unavailable with the reason, not as a crash', async () => {
    const out = await runTorchPeer(peerJob(plan, 'forward', data), { threads: { torch: 1, blas: 1 }, python: '/nonexistent/python3' });
    expect(out.available).toBe(false);
    if (out.available) throw new Error('unreachable');
    expect(out.reason).toMatch(/ENOENT/);
  });

  it('runs the MMPO step on the same pairs: full fine-tuning and LoRA start from the same loss (B = 0), or says python3-torch is missing', async () => {
    const full = await runTorchPeer(peerJob(plan, 'full', data), { threads: { torch: 1, blas: 1 } });
    if (!torchInstalled) {
      expect(full).toMatchObject({ available: false });
      if (!full.available) expect(full.reason).toMatch(/python3-torch is not installed|ENOENT/);
      return;
    }
    if (!full.available) throw new Error(full.reason);
    const lora = await runTorchPeer(peerJob(plan, 'lora', data), { threads: { torch: 1, blas: 1 } });
    if (!lora.available) throw new Error(lora.reason);
    for (const r of [full, lora]) {
      expect(r.timesMs).toHaveLength(plan.reps);
      expect(r.cpuMs).toHaveLength(plan.reps);
      // Warm-up and timed steps all record a loss.
      expect(r.losses).toHaveLength(plan.warmup + plan.reps);
      expect(r.losses.every(Number.isFinite)).toBe(true);
      expect(r.peakRssBytes).toBeGreaterThan(0);
    }
    expect(lora.losses[0]).toBeCloseTo(full.losses[0]!, 4);
    // Training moves the loss: the optimizer really steps.
    expect(full.losses.at(-1)).not.toBe(full.losses[0]);
  });

  // The peer must do the studio's work, not merely similar work: from the same weights and
  // pairs, its MMPO step (architecture, scoring, objective, clipping, AdamW, schedule) gives the
  // real Trainer's losses step for step.
  it.skipIf(!torchInstalled)(
    "from the studio's weights, follows the real Trainer's MMPO losses step for step (full fine-tuning; LoRA until A is trained)",
    async () => {
      await tf.setBackend('cpu');
      const longer = { shape: TINY, warmup: 1, reps: 4 };
      const same = await benchData(longer);
      const dir = mkdtempSync(join(tmpdir(), 'peer-weights-'));
      try {
        const model = createModel(same.config, 0);
        await saveModel(model, dir);
        model.dispose();
        const weightsFile = join(dir, 'model.safetensors');
        for (const mode of ['full', 'lora'] as const) {
          const studio = await measureStudio(longer, mode, same);
          const peer = await runTorchPeer(peerJob(longer, mode, same, { weightsFile }), { threads: { torch: 1, blas: 1 } });
          if (!peer.available) throw new Error(peer.reason);
          // LoRA's A is drawn by each side's own generator: equal until the first update moves B (step 1 runs at lr 0, the warm-up).
          const compared = mode === 'full' ? studio.losses.length : 2;
          expect(peer.losses).toHaveLength(studio.losses.length);
          for (let i = 0; i < compared; i++)
            expect(Math.abs(peer.losses[i]! - studio.losses[i]!), `${mode} step ${i + 1}`).toBeLessThan(1e-3 * Math.abs(studio.losses[i]!));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
