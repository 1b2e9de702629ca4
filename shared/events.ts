import { z } from 'zod';
import { Job, JobLogLine } from './jobs';

/** Server-to-UI events, pushed over IPC (Electron) or SSE (serve mode). */
export const StudioEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job.updated'), job: Job }),
  z.object({ type: z.literal('job.log'), line: JobLogLine }),
  /** Raised by a transport itself after it reconnects: events may have been missed, so refetch. */
  z.object({ type: z.literal('resync') }),
]);
export type StudioEvent = z.infer<typeof StudioEvent>;
export type StudioEventType = StudioEvent['type'];
