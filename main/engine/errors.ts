/**
 * Errors the engine raises for things a user can act on. Each has a stable code
 * (for the UI and `--json` output) and a sentence naming the file, tensor or
 * field at fault.
 */
export type EngineErrorCode =
  | 'unsupported_model'
  | 'invalid_config'
  | 'invalid_weights'
  | 'weights_mismatch'
  | 'model_folder_invalid'
  | 'tokenizer_invalid'
  | 'tokenizer_mismatch'
  | 'no_chat_template'
  | 'out_of_memory'
  | 'invalid_input';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
