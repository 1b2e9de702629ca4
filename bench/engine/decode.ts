// Generation on the reference shape, as `npm run bench -- models` measures it
// (batch 1, a 112-token prompt, 16 new tokens, greedy): cached and re-run
// ms/token and their ratio over interleaved rounds, then where one cached
// decode step's time goes, per kernel.
//   node --import tsx bench/engine/decode.ts [--rounds N] [--threads N] [--profile]
// --profile: kernel times of the prefill and of one decode step.
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../main/engine/backend';
import { referenceConfig } from '../models/engine-bench';
import { generate } from '../../main/engine/generate';
import { createModel, disposeCache } from '../../main/engine/models/causal-lm';
import { decodeWeightsFor, LlamaDecodeSession } from '../../main/engine/models/llama-decode';
import { SeededRng } from '../../main/engine/rng';
import { timeOnce } from '../report';

const argValue = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const rounds = Number(argValue('rounds', '3'));
const threadsArg = argValue('threads', '');
const backend = await initBackend(threadsArg ? { threads: Number(threadsArg) } : {});
const config = referenceConfig();
const model = createModel(config, 0);
const rng = new SeededRng(0);
const prompt = [Array.from({ length: 112 }, () => Math.floor(rng.next() * config.vocabSize))];
const newTokens = 16;

/** Wall and process CPU time per token; with one thread the CPU time is what an idle core would take. */
async function msPerToken(useCache: boolean): Promise<{ ms: number; cpuMs: number; tokens: number[] }> {
  const t = await timeOnce(() => generate(model, prompt, { maxNewTokens: newTokens, stopTokenIds: [], useCache }));
  return { ms: t.wallMs / newTokens, cpuMs: t.cpuMs / newTokens, tokens: t.value.tokens[0]! };
}

await msPerToken(true);
await msPerToken(false);
const cached: number[] = [];
const rerun: number[] = [];
const cachedCpu: number[] = [];
const rerunCpu: number[] = [];
for (let r = 0; r < rounds; r++) {
  const a = await msPerToken(true);
  const b = await msPerToken(false);
  if (a.tokens.join() !== b.tokens.join()) throw new Error('cached and re-run greedy tokens differ');
  cached.push(a.ms);
  rerun.push(b.ms);
  cachedCpu.push(a.cpuMs);
  rerunCpu.push(b.cpuMs);
}
const best = (xs: number[]): number => Math.min(...xs);
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
console.log(`${backend.name}, ${backend.threads} thread(s); load ${loadavg()[0]!.toFixed(2)}`);
console.log(`cached ms/token: ${cached.map((x) => x.toFixed(1)).join(' ')}`);
console.log(`re-run ms/token: ${rerun.map((x) => x.toFixed(1)).join(' ')}`);
console.log(
  `CPU ms/token, cached ${best(cachedCpu).toFixed(1)}, re-run ${best(rerunCpu).toFixed(1)} (best): speed-up ${(best(rerunCpu) / best(cachedCpu)).toFixed(2)}× (meaningful with --threads 1)`,
);
console.log(
  `speed-up: best/best ${(best(rerun) / best(cached)).toFixed(2)}×, median/median ${(median(rerun) / median(cached)).toFixed(2)}×, per round ${rerun.map((x, i) => (x / cached[i]!).toFixed(2)).join(' ')}`,
);

// One decode step alone (prefill excluded): tokens 2..16 of a cached run.
{
  const steps: number[] = [];
  let last = performance.now();
  await generate(model, prompt, {
    maxNewTokens: newTokens,
    stopTokenIds: [],
    onToken: () => {
      const now = performance.now();
      steps.push(now - last);
      last = now;
    },
  });
  const decode = steps.slice(1);
  console.log(
    `prefill+first token ${steps[0]!.toFixed(1)} ms; decode step median ${median(decode).toFixed(1)} ms, best ${best(decode).toFixed(1)} ms`,
  );
}

if (process.argv.includes('--profile')) {
  // Kernel times of the prefill and of one decode step, separately.
  const table = (title: string, kernels: Awaited<ReturnType<typeof tf.profile>>['kernels']): void => {
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of kernels) {
      const key = k.name === 'BatchMatMul' ? `BatchMatMul ${JSON.stringify(k.inputShapes)}` : k.name;
      const entry = byKernel.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += Number(k.kernelTimeMs);
      entry.calls += 1;
      byKernel.set(key, entry);
    }
    const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const total = rows.reduce((sum, [, v]) => sum + v.ms, 0);
    console.log(`\n${title}: ${kernels.length} kernel calls, ${total.toFixed(2)} ms in kernels`);
    for (const [name, v] of rows)
      console.log(`  ${name.padEnd(44)} ${v.ms.toFixed(2).padStart(8)} ms ${String(v.calls).padStart(5)} calls`);
  };
  const P = prompt[0]!.length;
  const ids = tf.tensor2d(prompt, [1, P], 'int32');
  const mask = tf.ones<tf.Rank.R2>([1, P]);
  const generic = await tf.profile(() => {
    const { logits, cache } = model.forwardWithCache(ids, mask, null, true);
    logits.dataSync();
    logits.dispose();
    disposeCache(cache);
  });
  table(`generic prefill (${P} tokens, forwardWithCache)`, generic.kernels);
  const weights = decodeWeightsFor(model);
  if (weights) {
    const session = new LlamaDecodeSession(weights, P + 8);
    const maskRows = [Array<number>(P).fill(1)];
    table(`prepared prefill (${P} tokens)`, (await tf.profile(() => void session.prefill(prompt, maskRows).dispose())).kernels);
    const step = (): void => {
      maskRows[0]!.push(1);
      session.step([7], [maskRows[0]!.length - 1], maskRows).dispose();
    };
    step();
    step();
    table('decode step', (await tf.profile(step)).kernels);
    session.dispose();
  }
  tf.dispose([ids, mask]);
}
model.dispose();
