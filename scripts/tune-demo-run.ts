/**
 * Not part of the app: the experiment behind shared/demo.ts. Runs MMPO on the
 * demo model with DEMO_RUN_DEFAULTS (plus overrides) on the demo pairs, split
 * as a new workspace splits them (prompt hash, seed 42, 25% test), and prints
 * test accuracy by log-prob margin, time per step and the judge's pass rate
 * of greedy answers to the test prompts before and after. A script rather
 * than part of main/training/demo: it joins the core's split rule to the
 * trainer, and the trainer never imports the core.
 *
 *   npx tsx scripts/tune-demo-run.ts
 *   DEMO_OVERRIDES='{"optimizer":{"lr":3e-3}}' STUDIO_WASM_THREADS=1 npx tsx scripts/tune-demo-run.ts
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { generate, loadModel, scoreBatch, type CausalLM, type HfTokenizer } from '../main/engine';
import { initBackend, shutdownBackend } from '../main/engine/backend';
import { promptHash } from '../main/core/datasets/formats/prompt-hash';
import { DEMO_SEED, DEMO_TEST_FRACTION } from '../main/core/datasets/demo';
import { splitOf } from '../main/core/datasets/split';
import { DEMO_RUN_DEFAULTS } from '../shared/demo';
import type { RunConfigInput } from '../shared/training';
import { Trainer } from '../main/training/trainer';
import { judgeResponse } from '../main/training/demo/judge';
import { demoRecord, readDemoPairs, type DemoPair } from '../main/training/demo/records';

const root = (rel: string): string => fileURLToPath(new URL(`../${rel}`, import.meta.url));
const modelDir = process.env['DEMO_MODEL'] ?? root('assets/demo/model');
const overrides = JSON.parse(process.env['DEMO_OVERRIDES'] ?? '{}') as Partial<RunConfigInput>;
// Every test prompt by default (~270, a few seconds of greedy generation); fewer for a quicker look.
const judgeCount = Number(process.env['DEMO_JUDGE_PROMPTS'] ?? Infinity);

async function judgePassRate(
  model: CausalLM,
  tokenizer: HfTokenizer,
  pairs: DemoPair[],
): Promise<{ rate: number; byRule: Record<string, string>; examples: string[] }> {
  // engine.generateText would decode an empty answer (immediate <|im_end|>) with tokenizers' decode([]), which throws.
  const ids = pairs.map((p) =>
    tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: p.prompt }], { addGenerationPrompt: true }), {
      addSpecialTokens: false,
    }),
  );
  const eos = tokenizer.eosTokenId ?? 0;
  const { tokens } = await generate(model, ids, {
    maxNewTokens: 24,
    temperature: 0,
    stopTokenIds: [eos],
    padTokenId: tokenizer.padTokenId ?? eos,
  });
  const texts = tokens.map((t) => (t.length ? tokenizer.decode(t, { skipSpecialTokens: true }) : ''));
  const byRule: Record<string, [number, number]> = {};
  let pass = 0;
  texts.forEach((t, i) => {
    const ok = judgeResponse(pairs[i]!.meta, t).pass;
    pass += Number(ok);
    const r = (byRule[pairs[i]!.meta.rule] ??= [0, 0]);
    r[0] += Number(ok);
    r[1]++;
  });
  return {
    rate: pass / pairs.length,
    byRule: Object.fromEntries(Object.entries(byRule).map(([k, [a, n]]) => [k, `${a}/${n}`])),
    examples: texts.slice(0, 6).map((t, i) => `${pairs[i]!.prompt} → ${JSON.stringify(t)}`),
  };
}

/** Capability check: token-weighted mean log-prob of the held-out general sentences (assets/demo/general.jsonl). */
async function generalLogProb(model: CausalLM, tokenizer: HfTokenizer): Promise<number> {
  const lines = readFileSync(root('assets/demo/general.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  const examples = lines.map((l) => {
    const ids = tokenizer.encode((JSON.parse(l) as { text: string }).text, { addSpecialTokens: false });
    return { inputIds: ids, lossMask: ids.map(() => 1) };
  });
  const scores = await scoreBatch(model, examples, { padId: tokenizer.padTokenId ?? 0, maxBatchSize: 64 });
  return scores.reduce((s, x) => s + x.sumLogProb, 0) / scores.reduce((s, x) => s + x.tokenCount, 0);
}

const info = await initBackend();
console.log(
  `backend ${info.name}, ${info.threads ?? '?'} thread(s); load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const pairs = readDemoPairs(root('assets/demo/preferences.jsonl'));
const isTest = (p: DemoPair) => splitOf(promptHash([{ role: 'user', content: p.prompt }]), DEMO_SEED, DEMO_TEST_FRACTION) === 'test';
const train = pairs.filter((p) => !isTest(p));
const test = pairs.filter(isTest);
const count = (ps: DemoPair[]) => {
  const n = new Map<string, number>();
  for (const p of ps) n.set(p.meta.rule, (n.get(p.meta.rule) ?? 0) + 1);
  return [...n].map(([k, v]) => `${k} ${v}`).join(', ');
};
console.log(`train ${train.length} pairs (${count(train)}); test ${test.length} (${count(test)})`);

const { model, tokenizer } = await loadModel(modelDir);
const judged = Number.isFinite(judgeCount)
  ? test.filter((_, i) => i % Math.max(1, Math.floor(test.length / judgeCount)) === 0).slice(0, judgeCount)
  : test;
const before = await judgePassRate(model, tokenizer!, judged);
console.log(
  `judge before: ${(100 * before.rate).toFixed(0)}% ${JSON.stringify(before.byRule)}; general text mean log-prob ${(await generalLogProb(model, tokenizer!)).toFixed(3)}`,
);
before.examples.forEach((e) => console.log(`  ${e}`));

const config: RunConfigInput = { ...DEMO_RUN_DEFAULTS, ...overrides, model: { kind: 'folder', path: modelDir } };
const t0 = performance.now();
const trainer = await Trainer.create({
  config,
  model,
  tokenizer: tokenizer!,
  records: train.map(demoRecord),
  testRecords: test.map(demoRecord),
});
const sec = () => ((performance.now() - t0) / 1000).toFixed(1);
/** Half the width of a proportion's 95% interval (normal approximation) over the n test pairs. */
const halfWidth = (p: number, n: number) => 1.96 * Math.sqrt((p * (1 - p)) / n);
const show = (e: Awaited<ReturnType<Trainer['evaluate']>>) =>
  `step ${e.step}: test logp accuracy ${e.logpAccuracy.toFixed(3)} ± ${halfWidth(e.logpAccuracy, test.length).toFixed(3)}, logp margin ${e.logpMargin.toFixed(2)}, reward accuracy ${e.rewardAccuracy?.toFixed(3)}, loss ${e.loss.toFixed(3)}`;
console.log(`reference log-probs in ${sec()} s; ${trainer.totalSteps} steps (${trainer.stepsPerEpoch} per epoch)`);
console.log(`${show(await trainer.evaluate())} [${sec()} s]`);
const trainStart = performance.now();
while (!trainer.finished) {
  const r = await trainer.step();
  if (trainer.evalDue) {
    const perStep = (performance.now() - trainStart) / r.step;
    console.log(
      `${show(await trainer.evaluate())}; train loss ${r.metrics['loss']!.toFixed(3)}, ${perStep.toFixed(0)} ms/step incl. evals [${sec()} s, load ${os.loadavg()[0]!.toFixed(2)}]`,
    );
  }
}
console.log(
  `trained ${trainer.totalSteps} steps in ${((performance.now() - trainStart) / 1000).toFixed(1)} s (total with reference ${sec()} s)`,
);
const after = await judgePassRate(model, tokenizer!, judged);
console.log(
  `judge after: ${(100 * after.rate).toFixed(0)}% ${JSON.stringify(after.byRule)}; general text mean log-prob ${(await generalLogProb(model, tokenizer!)).toFixed(3)}`,
);
after.examples.forEach((e) => console.log(`  ${e}`));
trainer.dispose();
model.dispose();
shutdownBackend();
