/**
 * Turns a run's model source into a model and tokenizer: an HF folder is
 * loaded, a spec is initialised at random (seeded) with the vocabulary of the
 * tokenizer it names.
 */
import { configFromSpec, createModel, HfTokenizer, loadModel, type CausalLM, type LoadOptions } from '../engine';
import type { ModelSource } from '../../shared/training';

export async function loadStartingModel(source: ModelSource, opts: LoadOptions = {}): Promise<{ model: CausalLM; tokenizer: HfTokenizer }> {
  if (source.kind === 'folder') {
    const { model, tokenizer } = await loadModel(source.path, opts);
    if (!tokenizer) {
      model.dispose();
      throw new Error(`${source.path} has no tokenizer files (tokenizer.json, tokenizer_config.json)`);
    }
    return { model, tokenizer };
  }
  const tokenizer = await HfTokenizer.fromFolder(source.tokenizerDir);
  if (!tokenizer) throw new Error(`${source.tokenizerDir} has no tokenizer files (tokenizer.json, tokenizer_config.json)`);
  const config = configFromSpec({
    modelType: source.modelType,
    vocabSize: tokenizer.vocabSize,
    hiddenSize: source.hiddenSize,
    numLayers: source.numLayers,
    numHeads: source.numHeads,
    ...(source.numKvHeads !== undefined ? { numKvHeads: source.numKvHeads } : {}),
    ...(source.intermediateSize !== undefined ? { intermediateSize: source.intermediateSize } : {}),
    bosTokenId: tokenizer.bosTokenId ?? 0,
    eosTokenId: tokenizer.eosTokenId ?? 0,
  });
  return { model: createModel(config, source.initSeed), tokenizer };
}
