import { z } from 'zod';
import { Job, JobLogLine } from './jobs';
import { MetricPoint, Run } from './runs';

/** Server-to-UI events, pushed over IPC (Electron) or SSE (serve mode). */
export const StudioEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job.updated'), job: Job }),
  z.object({ type: z.literal('job.log'), line: JobLogLine }),
  /** A run changed state (status, step, checkpoints). */
  z.object({ type: z.literal('run.updated'), run: Run }),
  /** New metric values of a run, as they are recorded. */
  z.object({ type: z.literal('run.metrics'), runId: z.number().int(), points: z.array(MetricPoint) }),
  /** Raised by a transport itself after it reconnects: events may have been missed, so refetch. */
  z.object({ type: z.literal('resync') }),
]);
export type StudioEvent = z.infer<typeof StudioEvent>;
export type StudioEventType = StudioEvent['type'];
