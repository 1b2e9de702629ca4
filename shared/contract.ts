import { z } from 'zod';
import {
  ColumnMapping,
  Dataset,
  DatasetRecord,
  DuplicateGroup,
  ExportFormat,
  FormatId,
  ImportPreview,
  ImportReport,
  RecordContent,
  RecordCursor,
  RecordFilter,
  RecordSort,
  RecordSummary,
  Snapshot,
  Split,
} from './datasets';
import { Job, JobLogLine, JobStatus } from './jobs';
import { CheckpointEntry, MetricSeries, ModelEntry, Run, RunDefaults, RunDiagnostic, RunEstimate, RunEvalPoint, RunLaunch } from './runs';
import { EvalItemResult, EvalParams, EvalResult, Suite } from './evals';
import { RunEvalSummary, RunsMetricSeries, SnapshotDiff } from './compare';
import { CompareReportParams, CompareReportResult } from './compare-report';
import { Annotator, LabelEvent, LabelItem, LabelQueue, LabelStats, ScreenChoice } from './labeling';
import { Adjudication, BuildFromLabelsParams, ConflictDetail, LabelImportReport, PairLabel } from './labeling';
import { ArenaResults, GenerateCandidatesParams, ItemSources, UncertaintyParams } from './labeling';
import { SideBySide, SideBySideSet } from './side-by-side';
import { PairCategory, PairDrilldown } from './pair-drilldown';
import { ArenaCreated, ArenaCreateParams, ArenaJudge, ArenaJudged, ArenaLeaderboard } from './arena';
import { Invite, Session } from './invites';
import { TrlExportArgs, TrlExportResult } from './trl-export';
import { TrlImportArgs, TrlImportResult } from './trl-import';
import { Experiment, ExperimentRef, ExperimentSpec, ExperimentSummary } from './experiments';
import { ExperimentResults } from './experiment-report';

/**
 * The one contract between the UI (or any client) and the studio's core.
 * Every call has a zod schema for its arguments and its result; types come
 * from `z.infer`. Main, preload, renderer, the HTTP client and the CLI all
 * import this file. Method names are `domain.verb`; over HTTP they are
 * `POST /api/<method>`.
 */

export const Theme = z.enum(['system', 'light', 'dark']);
export const Settings = z.object({
  theme: Theme,
});
export type Settings = z.infer<typeof Settings>;
export const DEFAULT_SETTINGS: Settings = { theme: 'system' };

export const BackendInfo = z.object({
  /** The backend the engine will use (`tensorflow`, `wasm`, `cpu`, …). */
  name: z.string(),
  /** One line for the header: why this backend, threads, device. */
  detail: z.string(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const WorkspaceInfo = z.object({
  name: z.string(),
  path: z.string(),
  dbPath: z.string(),
  artifactsPath: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  schemaVersion: z.number().int(),
  appVersion: z.string(),
  createdAt: z.number(),
  backend: BackendInfo,
  counts: z.record(z.string(), z.number().int().nonnegative()),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

const JobId = z.object({ id: z.number().int().positive() });
const Id = z.number().int().positive();
/** Which records a bulk action applies to: explicit ids, or every record matching a filter. */
const RecordSelection = z.union([
  z.object({ datasetId: Id, ids: z.array(Id).min(1).max(100_000) }),
  z.object({ datasetId: Id, filter: RecordFilter }),
]);

function method<A extends z.ZodType, R extends z.ZodType>(args: A, result: R, summary: string) {
  return { args, result, summary };
}

export const contract = {
  'workspace.info': method(z.object({}), WorkspaceInfo, 'Where the workspace lives, its size, schema version, backend and counts.'),

  'settings.get': method(z.object({}), Settings, 'All user settings.'),
  'settings.update': method(Settings.partial(), Settings, 'Change some settings; returns all of them.'),

  'jobs.list': method(
    z.object({
      status: z.array(JobStatus).optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    z.array(Job),
    'Jobs, newest first.',
  ),
  'jobs.get': method(JobId, Job, 'One job.'),
  'jobs.logs': method(
    z.object({
      id: z.number().int().positive(),
      afterSeq: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(1000),
      /** Instead: the last `tail` lines (what a log view shows first). */
      tail: z.number().int().min(1).max(5000).optional(),
    }),
    z.array(JobLogLine),
    'Persisted log lines of a job after a sequence number, or its last `tail` lines.',
  ),
  'jobs.cancel': method(JobId, Job, 'Cancel a queued or running job.'),
  'jobs.retry': method(JobId, Job, 'Queue a failed, cancelled or interrupted job again (a new attempt).'),
  'jobs.startSelfTest': method(
    z.object({
      steps: z.number().int().min(1).max(10_000).default(20),
      stepMs: z.number().int().min(0).max(10_000).default(150),
      failAtStep: z.number().int().min(1).optional(),
    }),
    Job,
    'Run the job pipeline self-test: a worker process that reports progress step by step.',
  ),

  'datasets.list': method(z.object({}), z.array(Dataset), 'Every dataset with its record and split counts.'),
  'datasets.create': method(
    z.object({ name: z.string().min(1).max(200), description: z.string().max(5000).optional() }),
    Dataset,
    'A new, empty dataset.',
  ),
  'datasets.update': method(
    z.object({ id: Id, name: z.string().min(1).max(200).optional(), description: z.string().max(5000).optional() }),
    Dataset,
    'Rename or describe a dataset.',
  ),
  'datasets.delete': method(z.object({ id: Id }), z.object({ deleted: z.boolean() }), 'Delete a dataset that no snapshot freezes.'),
  'datasets.preview': method(
    z.object({ path: z.string().min(1), format: FormatId.optional(), mapping: ColumnMapping.optional() }),
    ImportPreview,
    'Read the head of a file: detected format, proposed column mapping, sample records and errors.',
  ),
  'datasets.import': method(
    z.object({
      path: z.string().min(1),
      datasetId: Id.optional(),
      /** Import into a dataset of this name, created if needed. */
      datasetName: z.string().min(1).max(200).optional(),
      format: FormatId.optional(),
      mapping: ColumnMapping.optional(),
    }),
    Job,
    'Import a file as a job; good rows are kept even when some rows are bad.',
  ),
  'datasets.imports': method(
    z.object({ datasetId: Id }),
    z.array(ImportReport),
    'Import reports of a dataset, newest first (first errors only).',
  ),
  'datasets.importReport': method(
    z.object({ id: Id, errorsOffset: z.number().int().min(0).default(0), errorsLimit: z.number().int().min(1).max(5000).default(500) }),
    ImportReport,
    'One import report with a page of its rejected rows and warnings.',
  ),
  'datasets.exportRejected': method(
    z.object({ importId: Id }),
    z.object({ path: z.string(), count: z.number().int(), downloadName: z.string() }),
    'Write the rows an import rejected, as they were (JSON Lines), to fix and import again.',
  ),
  'datasets.facets': method(
    z.object({ datasetId: Id }),
    z.object({
      tags: z.array(z.object({ name: z.string(), count: z.number() })),
      sources: z.array(z.object({ file: z.string(), count: z.number() })),
    }),
    'Tags and source files of a dataset, for filters.',
  ),
  'records.query': method(
    z.object({
      datasetId: Id,
      filter: RecordFilter.default({}),
      /** Rows skipped (after the cursor, if any); prefer a cursor, which does not read the skipped rows. */
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(200),
      sort: RecordSort.default('id'),
      /** Keyset pagination: the rows that follow this row in the view's order. */
      after: RecordCursor.optional(),
      /** Keyset pagination: the `limit` rows just before this row. */
      before: RecordCursor.optional(),
      /** Count `offset` from the end of the view (the last rows, still returned in the view's order). */
      fromEnd: z.boolean().optional(),
      /** Whether to count the matches (default true); a table that knows its total can skip it (`total` is then null). */
      count: z.boolean().optional(),
    }),
    z.object({
      total: z.number().int().nullable(),
      /** True when a search matched more than `total` records (searches count up to 10,000). */
      totalCapped: z.boolean(),
      rows: z.array(RecordSummary),
    }),
    'A page of records matching a search and filters.',
  ),
  'records.get': method(z.object({ id: Id }), DatasetRecord, 'One record in full, with its edit history and original row.'),
  'records.update': method(
    z.object({ id: Id, content: RecordContent.partial(), reason: z.string().max(500).optional() }),
    DatasetRecord,
    'Edit a record; the previous version is kept in its history.',
  ),
  'records.delete': method(RecordSelection, z.object({ deleted: z.number().int() }), 'Delete records.'),
  'records.tag': method(
    z.intersection(
      RecordSelection,
      z.object({ add: z.array(z.string().min(1).max(100)).default([]), remove: z.array(z.string()).default([]) }),
    ),
    z.object({ changed: z.number().int(), records: z.number().int() }),
    'Add and remove tags on records in bulk.',
  ),
  'datasets.duplicates': method(
    z.object({ datasetId: Id, threshold: z.number().min(0.5).max(1).default(0.8) }),
    z.object({ groups: z.array(DuplicateGroup), exact: z.number().int(), near: z.number().int() }),
    'Exact and near-duplicate groups (MinHash over word shingles); runs a dataset-dedupe job and waits for it.',
  ),
  'datasets.findDuplicates': method(
    z.object({ datasetId: Id, threshold: z.number().min(0.5).max(1).default(0.8) }),
    Job,
    'Start a duplicate search as a job in a worker process (progress, cancel); read its groups with datasets.duplicateGroups.',
  ),
  'datasets.duplicateGroups': method(
    z.object({ datasetId: Id }),
    z.object({
      /** The newest duplicate search of the dataset, whatever its status; null if there has been none. */
      job: Job.nullable(),
      /** Its groups once it succeeded (records deleted since are left out), else null. */
      result: z
        .object({ threshold: z.number(), groups: z.array(DuplicateGroup), exact: z.number().int(), near: z.number().int() })
        .nullable(),
    }),
    'The latest duplicate search of a dataset and its groups.',
  ),
  'records.merge': method(
    z.object({ keepId: Id, dropIds: z.array(Id).min(1) }),
    DatasetRecord,
    'Keep one record of a duplicate group and delete the others, moving their tags to the kept one.',
  ),
  'datasets.split': method(
    z.object({ datasetId: Id, testFraction: z.number().min(0).max(0.9).default(0.1), seed: z.number().int().default(42) }),
    z.object({ train: z.number().int(), test: z.number().int(), overlapping: z.number().int() }),
    'Seeded, deterministic train/test split by prompt hash: a prompt never sits on both sides.',
  ),
  'snapshots.create': method(
    z.object({ datasetId: Id, name: z.string().max(200).optional(), filter: RecordFilter.optional() }),
    Snapshot,
    'Freeze the dataset (or a filtered view) into an immutable, content-hashed snapshot; runs a dataset-snapshot job and waits for it.',
  ),
  'snapshots.start': method(
    z.object({ datasetId: Id, name: z.string().max(200).optional(), filter: RecordFilter.optional() }),
    Job,
    'Start freezing a snapshot as a job in a worker process (progress, cancel); its result is the Snapshot. A cancelled one leaves nothing behind.',
  ),
  'snapshots.list': method(z.object({ datasetId: Id.optional() }), z.array(Snapshot), 'Snapshots, newest first.'),
  'datasets.export': method(
    z.object({
      datasetId: Id.optional(),
      snapshotId: Id.optional(),
      filter: RecordFilter.optional(),
      split: Split.optional(),
      format: ExportFormat,
      /** Where to write; defaults to the workspace's artifacts/exports folder. */
      path: z.string().min(1).optional(),
    }),
    z.object({ path: z.string(), count: z.number().int(), downloadName: z.string().nullable() }),
    'Export a snapshot or a filtered view as TRL JSONL (standard or conversational) or CSV.',
  ),

  'models.list': method(
    z.object({}),
    z.array(ModelEntry),
    'Models a run can start from: registered HF folders, the demo model, exported runs.',
  ),
  'models.register': method(
    z.object({ path: z.string().min(1), name: z.string().min(1).max(200).optional() }),
    ModelEntry,
    'Register a local Hugging Face model folder (config.json, safetensors, tokenizer files) after checking it loads.',
  ),
  'models.remove': method(z.object({ id: Id }), z.object({ removed: z.boolean() }), 'Forget a registered model (its files stay).'),

  'runs.list': method(z.object({}), z.array(Run), 'Training runs, newest first.'),
  'runs.get': method(z.object({ id: Id }), Run, 'One run with its config, provenance and latest metrics.'),
  'runs.defaults': method(
    z.object({ modelId: Id }),
    RunDefaults,
    'The launcher defaults for a model: the paper setup scaled to it (every RunConfig field but model).',
  ),
  'runs.estimate': method(RunLaunch, RunEstimate, 'Validate a run and estimate its steps, memory and time before launching it.'),
  'runs.create': method(RunLaunch, Run, 'Queue a training run (one at a time per device; queued runs say why they wait).'),
  'runs.metrics': method(
    z.object({ id: Id, afterStep: z.number().int().min(0).default(0) }),
    MetricSeries,
    'Metric columns of a run for the steps after `afterStep` (train names as TRL logs them, eval ones under eval/).',
  ),
  'runs.weights': method(
    z.object({ id: Id }),
    z.object({ step: z.number().int(), weights: z.array(z.number()) }).nullable(),
    "MMPO's chosen weight w_w (M4) of every pair of the latest step, for the distribution plot.",
  ),
  'runs.checkpoints': method(z.object({ id: Id }), z.array(CheckpointEntry), 'Checkpoints of a run that are on disk, newest first.'),
  'runs.diagnostics': method(z.object({ id: Id }), z.array(RunDiagnostic), 'What the metrics say about the run, in plain words.'),
  'runs.exportMetrics': method(
    z.object({
      id: Id,
      format: z.enum(['csv', 'json']),
      /** Where to write; defaults to the workspace's artifacts/exports folder. */
      path: z.string().min(1).optional(),
    }),
    z.object({ path: z.string(), rows: z.number().int(), downloadName: z.string().nullable() }),
    "Write a run's metrics under TRL's names (loss, rewards/accuracies, eval_loss, eval_rewards/accuracies, …): CSV with one row per step, or JSON shaped like trainer_state.json's log_history.",
  ),
  'runs.pause': method(z.object({ id: Id }), Run, 'Checkpoint now and stop; resume continues from there.'),
  'runs.resume': method(z.object({ id: Id }), Run, 'Continue a paused, interrupted or failed run from its last valid checkpoint.'),
  'runs.cancel': method(z.object({ id: Id }), Run, 'Stop a run for good (its checkpoints stay).'),
  'runs.rerun': method(z.object({ id: Id }), Run, 'Start a new run with the same config, snapshot and model.'),

  // ---- TRL export (issue 16): a run as a TRL + Accelerate project for a cluster
  'runs.exportTrl': method(
    TrlExportArgs,
    TrlExportResult,
    'Write a run (or a run not started) as a self-contained TRL + Accelerate project: data, config under TRL names, train.py, mmpo_loss.py, accelerate configs, pinned requirements and a README listing what TRL cannot express.',
  ),

  // ---- TRL import (issue 16 items 6-8): a TRL output folder back as a run; main/core/import-run/
  'runs.importTrl': method(
    TrlImportArgs,
    TrlImportResult,
    "Import a TRL output folder (finished or still running) as a run marked 'trl', and wait for it (a trl-import job in a worker): log_history under the studio's metric names, checkpoint-N/ folders (full model or PEFT adapter) as the run's checkpoints, the snapshot matched by the export manifest's content hash; importing the folder again updates the same run. What it skipped is listed with the reason.",
  ),
  'runs.startImportTrl': method(
    TrlImportArgs,
    Job,
    'runs.importTrl as a job to follow (progress while it hashes checkpoints, cancel); its result is the import report.',
  ),

  // ---- Compare (issue 15): several runs' metrics at once, held-out summaries, snapshot diffs
  'compare.runMetrics': method(
    z.object({ ids: z.array(Id).min(1).max(200), names: z.array(z.string().min(1)).min(1).max(50) }),
    RunsMetricSeries,
    'Metric columns of several runs, only the metrics named, in the order asked for, packed (steps as their range where evenly spaced, else Int32; values as Float32; base64; decodeRunMetrics in shared/compare.ts unpacks them): the Compare page batches the runs it needs into one call.',
  ),
  'compare.evalSummary': method(
    z.object({}),
    z.array(RunEvalSummary),
    'Per run and held-out metric (eval/…): the final value and the best (highest; lowest for a loss) with their steps.',
  ),
  'compare.snapshotDiff': method(
    z.object({ a: Id, b: Id }),
    SnapshotDiff,
    'What changed from snapshot a to b by content hash: records added, removed and changed, with the first of each; runs a snapshot-diff job and waits for it.',
  ),

  // ---- Compare report (issue 15 items 4, 5, 9): main/core/runs/compare-report.ts (a compare-report job), shared/compare-report.ts
  'compare.startReport': method(
    CompareReportParams,
    Job,
    "Start a compare-report job: it writes the comparison of runs as one self-contained HTML file (settings that differ, metric curves, the evaluation table, the paper's view, the generations asked for) and each table as CSV beside it, by default into the workspace's exports folder; its result names the files.",
  ),
  'compare.report': method(
    CompareReportParams,
    CompareReportResult,
    'compare.startReport, waiting for the job: answers the files written (or the error the job ended with).',
  ),

  // ---- Compare checkpoints (issue 15 items 6, 7): side-by-side generations (main/core/evals/side-by-side.ts) and the per-pair drill-down (drilldown.ts)
  'compare.generate': method(
    SideBySideSet,
    z.array(Job),
    'Generate a side-by-side set: one eval job per checkpoint column (a win-rate item against the first column); answers already stored for the same model, prompt and settings are reused.',
  ),
  'compare.generations': method(
    SideBySideSet,
    SideBySide,
    "A side-by-side set as stored: a row per prompt, a cell per column with its answer (null until generated) and the judge's verdict where there is one.",
  ),
  'compare.pairs': method(
    z.object({
      a: Id,
      b: Id,
      base: Id.optional(),
      category: PairCategory.optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(500).default(50),
    }),
    PairDrilldown,
    'Two preference results (A, B; optionally the base) on the same split pair by pair: counts per category (flipped, never learned, …) and a page of pairs with their texts, record ids and log-prob margins.',
  ),

  // ---- Arena across N checkpoints (issue 15 item 8): main/core/labeling/arena.ts
  'arena.create': method(
    ArenaCreateParams,
    ArenaCreated,
    "A blind arena label queue from N models' stored answers on a snapshot's split (generate them first with compare.generate): pairs of models spread evenly over the prompts, sides drawn from the seed.",
  ),
  'arena.judge': method(
    z.object({ queueId: Id, judge: ArenaJudge.default({ kind: 'rules' }) }),
    ArenaJudged,
    "Record a programmatic judge's votes on an arena queue's pairs as its own annotator (judge:rules): the response that follows the prompt's rule wins; both pass is a tie, both fail both-bad.",
  ),
  'arena.leaderboard': method(
    z.object({ queueId: Id }),
    ArenaLeaderboard,
    "An arena queue's standing labels (people's and judges') as votes: per model wins, losses, ties and its Bradley–Terry rating with bootstrap 95% percentiles, best first.",
  ),

  'evals.start': method(
    EvalParams,
    Job,
    'Evaluate a model (a registered one, or a run checkpoint) on a suite as an eval job; items already evaluated for the same model, data and settings come from the cache.',
  ),
  'evals.list': method(z.object({ modelId: Id.optional() }), z.array(EvalResult), 'Stored evaluation results, newest first.'),
  'evals.get': method(
    z.object({ id: Id, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) }),
    z.object({ result: EvalResult, items: z.array(EvalItemResult), total: z.number().int() }),
    'One evaluation result with a page of its per-item results (pairs, questions, documents).',
  ),
  'evals.suites': method(
    z.object({}),
    z.array(Suite),
    'The suites this workspace can evaluate on (the demo suite where the demo dataset is).',
  ),
  // Evaluation during training (issue 14 item 7): a run's evaluations at step 0 and its checkpoints.
  'runs.evals': method(
    z.object({ id: Id }),
    z.array(RunEvalPoint),
    "A run's evaluations by step (its evalSuite at step 0 and each checkpoint, and any checkpoint evaluated by hand), with their stored results.",
  ),

  // Team labeling invites (issue 18 item 12, serve mode): see shared/invites.ts and main/server/http.ts.
  'invites.create': method(
    z.object({
      annotatorId: Id,
      queueIds: z.array(Id).min(1).max(100),
      /** Hours until the invite is refused (fractions allowed); it never expires without. */
      expiresInHours: z
        .number()
        .positive()
        .max(24 * 366)
        .optional(),
      /** Where annotators reach the studio (`http://HOST:PORT`); serve mode fills in its own address. */
      baseUrl: z.string().url().optional(),
    }),
    z.object({ invite: Invite, token: z.string(), url: z.string() }),
    'Invite an annotator to label the given queues in serve mode: a scoped token (shown only now; the workspace keeps its hash) and the link that opens the labeler with it.',
  ),
  'invites.list': method(z.object({}), z.array(Invite), 'Invites, newest first, with their status (active, expired, revoked).'),
  'invites.revoke': method(z.object({ id: Id }), Invite, 'Revoke an invite: its link and token are refused from now on.'),
  'invites.check': method(
    z.object({ token: z.string().max(200) }),
    Invite,
    'The active invite a token belongs to; UNAUTHORIZED naming why when it is unknown, revoked or expired (serve mode asks for every request that carries one).',
  ),
  'session.whoami': method(
    z.object({}),
    Session,
    'Who is calling: the owner, or (in serve mode, with an invite) the invited annotator and the queues they may label.',
  ),

  'labeling.annotators': method(z.object({}), z.array(Annotator), 'Local annotator profiles, by name.'),
  'labeling.createAnnotator': method(
    z.object({ name: z.string().min(1).max(100) }),
    Annotator,
    'A new annotator profile (names are unique).',
  ),
  'labeling.queues': method(z.object({}), z.array(LabelQueue), 'Label queues, newest first, with their progress.'),
  'labeling.createQueue': method(
    z.object({
      name: z.string().min(1).max(200),
      kind: z.enum(['pairs', 'prompts', 'relabel', 'arena']).default('pairs'),
      datasetId: Id.optional(),
      snapshotId: Id.optional(),
      /** Markdown shown beside every pair. */
      guidelines: z.string().max(100_000).default(''),
      order: z.enum(['stored', 'random']).default('stored'),
      seed: z.number().int().default(0),
      /** How many annotators label a pair before it leaves everyone's queue. */
      overlap: z.number().int().min(1).max(50).default(1),
      /** Share of each annotator's labeled pairs served again later with the sides swapped (swap consistency); 5% by default. */
      recheckShare: z.number().min(0).max(1).optional(),
      /** Only these records of the source (relabel: pairs sent from an evaluation's drill-down) … */
      recordIds: z.array(Id).min(1).max(100_000).optional(),
      /** … or only the records this filter picks (the records table's filter, on the source's dataset). */
      filter: RecordFilter.optional(),
    }),
    LabelQueue,
    'Make a label queue from a dataset or snapshot, or from the records of it picked by recordIds or a filter. pairs and relabel: every preference or unlabeled pair (identical responses are skipped with a note); prompts and arena: the prompts, to be filled by labeling.generateCandidates.',
  ),
  'labeling.next': method(
    z.object({
      queueId: Id,
      annotatorId: Id,
      /** Pairs to pass over as if labeled (the one on screen, those being saved): the labeler prefetches the pair after them. */
      exclude: z.array(Id).max(100).optional(),
    }),
    LabelItem.nullable(),
    "The annotator's next pair (the one an undo reopened, else the first unlabeled one in the queue's order); null when done.",
  ),
  'labeling.record': method(
    z.object({
      queueId: Id,
      annotatorId: Id,
      action: z.enum(['label', 'skip', 'undo']),
      /** The pair labeled or skipped (an undo finds its own). */
      itemId: Id.optional(),
      /** What was pressed, in screen terms; stored in the pair's own order. */
      choice: ScreenChoice.optional(),
      rationale: z.string().max(20_000).optional(),
      confidence: z.number().int().min(1).max(3).optional(),
      msOnScreen: z.number().int().min(0).optional(),
    }),
    z.object({ event: LabelEvent, next: LabelItem.nullable() }),
    'Write one label, skip or undo event (durable before the answer) and return the next pair to show.',
  ),
  'labeling.stats': method(
    z.object({ queueId: Id }),
    LabelStats,
    'Progress, agreement (percent and Cohen’s κ per annotator pair, Krippendorff’s α), position bias and conflicts of a queue.',
  ),

  // Reviewing labels (issue 18 items 8, 10, 11, 13, 14): drafts, conflicts and adjudication, label files, datasets from labels — main/core/labeling/review*.ts, label-files.ts, build-dataset.ts.
  'labeling.saveDraft': method(
    z.object({ queueId: Id, annotatorId: Id, itemId: Id, rationale: z.string().max(20_000) }),
    z.object({ saved: z.boolean() }),
    'Save the rationale being typed for a pair (replacing the last draft; empty removes it). labeling.next returns it as `draft`; the label that follows takes it and clears it.',
  ),
  'labeling.conflicts': method(
    z.object({
      queueId: Id,
      /** open: no decision yet; adjudicated: decided; all: both. */
      status: z.enum(['open', 'adjudicated', 'all']).default('open'),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    z.object({ total: z.number().int(), conflicts: z.array(ConflictDetail) }),
    "The conflict queue: pairs whose standing labels disagree, in the queue's order, with each annotator's label, rationale and confidence and the decision if there is one.",
  ),
  'labeling.adjudicate': method(
    z.object({ queueId: Id, itemId: Id, annotatorId: Id, label: PairLabel, note: z.string().max(20_000).optional() }),
    Adjudication,
    "Decide a pair (annotatorId = the adjudicator): the decision becomes the pair's label while every annotator's label is kept; a later decision supersedes it.",
  ),
  'labeling.exportLabels': method(
    z.object({ queueId: Id, path: z.string().min(1).optional() }),
    z.object({ path: z.string(), count: z.number().int(), downloadName: z.string().nullable() }),
    "Write a queue's events (labels, skips, undos, re-serve answers, adjudications) as JSONL keyed by pair content hash and annotator name; to the workspace's exports folder unless a path is given.",
  ),
  'labeling.importLabels': method(
    z.object({ queueId: Id, path: z.string().min(1) }),
    LabelImportReport,
    'Import a labels file into a queue and wait for it (a label-import job in a worker): good lines are written, bad ones (not JSON, unknown pair hash, wrong label) reported by line; annotators are created by name; events already here count as duplicates, so importing twice adds nothing.',
  ),
  'labeling.startImport': method(
    z.object({ queueId: Id, path: z.string().min(1) }),
    Job,
    'labeling.importLabels as a job to follow (progress by bytes read, cancel; the result is the report). A cancelled import keeps the batches it wrote; importing the file again adds the rest.',
  ),
  'labeling.build': method(
    BuildFromLabelsParams,
    z.object({
      dataset: Dataset,
      snapshot: Snapshot,
      records: z.number().int(),
      excluded: z.object({ ties: z.number().int(), bothBad: z.number().int(), unlabeled: z.number().int(), conflicts: z.number().int() }),
    }),
    'Build a new dataset from the decided pairs of a queue and wait for it (a label-build job in a worker; adjudication first, then majority vote; ties, both-bad and unresolved conflicts left out and counted), split and frozen as a snapshot, ready to train on; provenance in each record’s meta.',
  ),
  'labeling.startBuild': method(
    BuildFromLabelsParams,
    Job,
    'labeling.build as a job to follow (progress, cancel before it commits); its result holds datasetId, snapshotId, records and excluded.',
  ),

  // Candidates from any checkpoint, queue kinds and the uncertainty order (issue 18 items 1, 7, 9): main/core/labeling/candidates-*.ts, uncertainty-*.ts.
  'labeling.generateCandidates': method(
    GenerateCandidatesParams,
    Job,
    "Fill a prompts or arena queue with generated pairs as a job (worker, progress per prompt, cancel; a retried job skips the prompts it finished). One model: n ≥ 2 samples per prompt, neighbours paired; two models: A's i-th response against B's.",
  ),
  'labeling.orderByUncertainty': method(
    UncertaintyParams,
    Job,
    "Score every pair of a queue with a model (per-token margin |log π(a)/|a| − log π(b)/|b||, cached per model and pair) as a job; when it ends the queue's order is `uncertain`: smallest margin first.",
  ),
  'labeling.arenaResults': method(
    z.object({ queueId: Id }),
    ArenaResults,
    "An arena queue's labels as votes between its two models: wins, losses and ties per model, A's win rate (a tie is half) with a bootstrap 95% interval, and Bradley–Terry ratings.",
  ),
  'labeling.itemSources': method(
    z.object({ queueId: Id, offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) }),
    z.object({ items: z.array(ItemSources), total: z.number().int() }),
    "Where each response of a queue's pairs came from (dataset, or model, run, step and sampling) and its margin, in the queue's order; never shown to labelers.",
  ),

  // ---- Experiments (issue 19, the paper in miniature; engineer G19a): main/core/experiments/, shared/experiments.ts
  'experiments.create': method(
    ExperimentSpec,
    Experiment,
    'Queue a grid of runs on one snapshot and model: the shared config over the model defaults, crossed with every value of each setting in `vary` (objectives × β × seeds by default); each run evaluates its evalSuite at step 0 and every checkpoint.',
  ),
  'experiments.list': method(z.object({}), z.array(ExperimentSummary), 'Experiments, newest first, with status and overall progress.'),
  'experiments.get': method(
    ExperimentRef,
    Experiment,
    'An experiment: its spec, which settings vary and which are shared, each run with its status and evaluations, overall progress and the time left priced from measured step and evaluation times.',
  ),
  'experiments.results': method(
    ExperimentRef,
    ExperimentResults,
    "What an experiment's runs measured at step 0 and each checkpoint (win rate vs the base model with its interval, preference accuracy, MC accuracy, perplexity): the input of shared/experiment-report.ts.",
  ),
  'experiments.pause': method(
    ExperimentRef,
    Experiment,
    'Pause the whole experiment: its running run checkpoints and stops, its queued runs and evaluations are held until resume.',
  ),
  'experiments.resume': method(
    ExperimentRef,
    Experiment,
    'Continue a paused experiment (and whatever a stopped studio interrupted): its runs go on one at a time, in grid order.',
  ),
  'experiments.cancel': method(
    ExperimentRef,
    Experiment,
    'Stop every run and evaluation of an experiment for good (checkpoints and results stay).',
  ),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodArgs<M extends MethodName> = z.input<Contract[M]['args']>;
export type ParsedArgs<M extends MethodName> = z.output<Contract[M]['args']>;
export type MethodValue<M extends MethodName> = z.output<Contract[M]['result']>;

export const METHOD_NAMES = Object.keys(contract) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}
