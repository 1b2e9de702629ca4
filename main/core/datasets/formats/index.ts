// Public entry of the import-parsing layer: file bytes in, normalised
// preference records and located errors out. Transport-free and database-free;
// the dataset service stores what comes out.
//
//   previewFile(path | bytes, opts) → format, confidence, explanation, mapping, sample records, errors
//   parseFile(path | bytes, opts)   → every record + every located error + stats
//   streamFile(path | bytes, opts)  → the same, batch by batch (bounded memory for JSON Lines)
//   writeRecords(records, 'trl-jsonl' | 'trl-conversational' | 'csv') → export text

export { applyMapping, splitImplicitPrompt, type ApplyOptions, type MappedRows } from './convert';
export { detectFormat, type Detection, type FormatCandidate } from './detect';
export {
  columnMappingSchema,
  formatIdSchema,
  formatIds,
  FORMAT_LABELS,
  getField,
  MAPPING_SLOTS,
  type ColumnMapping,
  type FormatId,
  type MappingSlot,
} from './mapping';
export { coerceMessages } from './messages';
export { findPromptOverlap, normalisePromptText, promptHash, recordPromptHash } from './prompt-hash';
export {
  computeFlags,
  importErrorCodes,
  importErrorCodeSchema,
  isTranscript,
  locatedErrorSchema,
  messageSchema,
  messagesToText,
  preferenceRecordSchema,
  recordFlagsSchema,
  recordKindSchema,
  textToMessages,
  type ImportErrorCode,
  type LocatedError,
  type Message,
  type PreferenceRecord,
  type RecordFlags,
  type RecordKind,
  type RecordSource,
} from './record';
export { readRows, containerFromName, type Container, type RawRow, type ReadResult } from './readers';
export { exportFormats, toCsv, toJsonl, toTrlConversationalRow, toTrlStandardRow, writeRecords, type ExportFormat } from './writers';

export { previewFile, type Preview, type PreviewOptions } from './preview';
export {
  parseFile,
  streamFile,
  type ParseBatch,
  type ParseOptions,
  type ParseProgress,
  type ParseResult,
  type ParseStats,
  type ParseSummary,
} from './parse';
export {
  checkImportablePath,
  DEFAULT_IMPORT_MAX_BYTES,
  importMaxBytes,
  WHOLE_FILE_MAX_BYTES,
  type FileInput,
  type InputOptions,
} from './source';
