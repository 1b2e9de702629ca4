import type { Db } from '../open';
import * as init from './0001-init';
import * as datasets from './0002-datasets';
import * as runs from './0003-runs';
import * as pausedJobs from './0004-paused-jobs';
import * as evals from './0005-evals';
import * as labeling from './0006-labeling';
import * as labelReview from './0007-label-review';
import * as candidates from './0008-candidates';
import * as invites from './0009-invites';
import * as generations from './0010-generations';
import * as labelStanding from './0011-label-standing';
import * as labelSummaries from './0012-label-summaries';
import * as experiments from './0013-experiments';
import * as importedRuns from './0014-imported-runs';
import * as metricColumns from './0015-metric-columns';

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
  /**
   * The step rebuilds tables (SQLite's way to change a constraint): it runs
   * with foreign keys off, so dropping the old table neither cascades nor
   * fails, and the result is checked with foreign_key_check before commit.
   */
  rebuildsTables?: boolean;
}

/** Every schema step, in order. Add a file per step; never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '0001-init', up: init.up },
  { version: 2, name: '0002-datasets', up: datasets.up },
  { version: 3, name: '0003-runs', up: runs.up },
  { version: 4, name: '0004-paused-jobs', up: pausedJobs.up, rebuildsTables: true },
  { version: 5, name: '0005-evals', up: evals.up },
  { version: 6, name: '0006-labeling', up: labeling.up },
  { version: 7, name: '0007-label-review', up: labelReview.up },
  { version: 8, name: '0008-candidates', up: candidates.up },
  { version: 9, name: '0009-invites', up: invites.up },
  { version: 10, name: '0010-generations', up: generations.up, rebuildsTables: true },
  { version: 11, name: '0011-label-standing', up: labelStanding.up },
  { version: 12, name: '0012-label-summaries', up: labelSummaries.up },
  { version: 13, name: '0013-experiments', up: experiments.up },
  { version: 14, name: '0014-imported-runs', up: importedRuns.up, rebuildsTables: true },
  { version: 15, name: '0015-metric-columns', up: metricColumns.up },
];
