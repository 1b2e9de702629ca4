/**
 * The `label-candidates` worker task: reads the queue's prompts still without
 * candidates (read-only), loads the model(s) once, then for each prompt
 * generates n responses per model (one batched `generate` call per model,
 * seeded per prompt and slot) and sends them to the job at once, which
 * stores the prompt's pairs before the next prompt is done. Stops between
 * prompts when the job is cancelled.
 */
import type { Message } from '../../../shared/datasets';
import { defaultStopTokens, generate, loadLora, type CausalLM, type HfTokenizer, type LoraAdapter } from '../../engine';
import { initBackend } from '../../engine/backend';
import { loadStartingModel } from '../../training';
import { openDatabase } from '../db/open';
import type { WorkerIo } from '../jobs/protocol';
import { CandidateStore, type PromptRow } from './candidate-store';
import { candidateSeed } from './candidates';
import type { CandidateEvents, CandidatesPayload, WorkerModel } from './candidates-protocol';

export interface LoadedWorkerModel {
  model: CausalLM;
  tokenizer: HfTokenizer;
  settings: WorkerModel;
  dispose(): void;
}

/** Loads a model as the eval worker does: the folder, or a LoRA run's starting model with its adapter attached. */
export async function loadWorkerModel(settings: WorkerModel, io: Pick<WorkerIo, 'log'>): Promise<LoadedWorkerModel> {
  const { model, tokenizer } = await loadStartingModel(settings.source);
  let lora: LoraAdapter | null = null;
  if (settings.adapterPath) {
    lora = await loadLora(model, settings.adapterPath);
    model.adapter = lora;
    io.log('info', `LoRA adapter: ${settings.adapterPath}`);
  }
  return {
    model,
    tokenizer,
    settings,
    dispose() {
      model.adapter = null;
      lora?.dispose();
      model.dispose();
    },
  };
}

/** A message list as one string in plain (no chat template) mode, as training's data.ts writes it. */
function flatten(messages: Message[]): string {
  if (messages.length === 1) return messages[0]!.content;
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n\n');
}

/**
 * The prompt's token ids as training renders a prompt (chat template with the
 * generation prompt, or plain text), cut from the left to the model's
 * max prompt length.
 */
export function promptIds(loaded: LoadedWorkerModel, prompt: Message[], system: string | null): number[] {
  const { tokenizer: tok, settings } = loaded;
  let ids: number[];
  if (settings.chatTemplate) {
    const head = system !== null && prompt[0]?.role !== 'system' ? [{ role: 'system', content: system }, ...prompt] : prompt;
    ids = tok.encode(tok.applyChatTemplate(head, { addGenerationPrompt: true }), { addSpecialTokens: false });
  } else ids = tok.encode(flatten(prompt));
  return ids.length > settings.maxPromptLength ? ids.slice(ids.length - settings.maxPromptLength) : ids;
}

function openPrompts(payload: CandidatesPayload): PromptRow[] {
  const db = openDatabase(payload.dbPath, { readonly: true, ...(payload.nativeBinding ? { nativeBinding: payload.nativeBinding } : {}) });
  try {
    return new CandidateStore(db).openPrompts(payload.queueId);
  } finally {
    db.close();
  }
}

const SLOTS = ['A', 'B'] as const;

export async function candidatesTask(payload: CandidatesPayload, io: WorkerIo<CandidateEvents>): Promise<{ prompts: number }> {
  const prompts = openPrompts(payload);
  if (prompts.length === 0) return { prompts: 0 };
  const backend = await initBackend();
  io.log('info', `Worker ${process.pid} on the ${backend.name} backend${backend.threads ? ` (${backend.threads} threads)` : ''}.`);
  io.progress(0, 'Loading the model');
  const models: LoadedWorkerModel[] = [];
  try {
    for (const m of payload.models) models.push(await loadWorkerModel(m, io));
    const { sampling, n } = payload;
    for (const [index, p] of prompts.entries()) {
      // Generation resolves through microtasks only: yield to the event loop so the worker reads a cancel message between prompts.
      await new Promise((resolve) => setImmediate(resolve));
      io.signal.throwIfAborted();
      const responses: CandidateEvents['prompt']['responses'] = [];
      for (const [slot, loaded] of models.entries()) {
        const ids = promptIds(loaded, JSON.parse(p.prompt) as Message[], p.system);
        const out = await generate(
          loaded.model,
          Array.from({ length: n }, () => ids),
          {
            temperature: sampling.temperature,
            topP: sampling.topP,
            topK: sampling.topK,
            maxNewTokens: sampling.maxTokens,
            seed: candidateSeed(sampling.seed, p.prompt_hash, SLOTS[slot]!),
            stopTokenIds: defaultStopTokens(loaded.model, loaded.tokenizer, null),
            padTokenId: loaded.tokenizer.padTokenId ?? 0,
          },
        );
        out.tokens.forEach((tokens, sample) =>
          responses.push({
            model: slot,
            sample,
            text: loaded.tokenizer.decode(tokens, { skipSpecialTokens: true }),
            tokens: tokens.length,
            finishReason: out.finishReasons[sample]!,
          }),
        );
      }
      io.event('prompt', { promptId: p.id, responses });
      io.log('info', `Generated ${responses.length} responses for prompt ${index + 1} of ${prompts.length}.`);
      io.progress((index + 1) / prompts.length, `${index + 1} of ${prompts.length} prompts`);
    }
  } finally {
    for (const m of models) m.dispose();
  }
  return { prompts: prompts.length };
}
