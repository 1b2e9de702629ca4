/**
 * The demo preference pairs (assets/demo/preferences.jsonl, written by
 * scripts/make-demo-data.ts) as the trainer's records, with the rule each
 * prompt asks for, so a run's generations can be judged.
 */
import { readFileSync } from 'node:fs';
import type { RecordContent } from '../../../shared/datasets';
import type { JudgeMeta } from './judge';

export interface DemoPair {
  prompt: string;
  chosen: string;
  rejected: string;
  meta: JudgeMeta & { topic: string };
}

export function readDemoPairs(file: string): DemoPair[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as DemoPair);
}

/** One user turn answered by one assistant turn, as the importer stores a prompt/chosen/rejected line. */
export function demoRecord(pair: DemoPair): RecordContent {
  return {
    kind: 'preference',
    prompt: [{ role: 'user', content: pair.prompt }],
    chosen: [{ role: 'assistant', content: pair.chosen }],
    rejected: [{ role: 'assistant', content: pair.rejected }],
    responses: null,
    system: null,
  };
}
