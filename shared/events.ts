import { z } from 'zod';
import { Job, JobLogLine } from './jobs';

/** Server-to-UI events, pushed over IPC (Electron) or SSE (serve mode). */
export const StudioEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job.updated'), job: Job }),
  z.object({ type: z.literal('job.log'), line: JobLogLine }),
]);
export type StudioEvent = z.infer<typeof StudioEvent>;
export type StudioEventType = StudioEvent['type'];
