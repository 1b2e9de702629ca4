import type { Db } from '../open';
import * as init from './0001-init';
import * as datasets from './0002-datasets';
import * as runs from './0003-runs';

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
}

/** Every schema step, in order. Add a file per step; never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '0001-init', up: init.up },
  { version: 2, name: '0002-datasets', up: datasets.up },
  { version: 3, name: '0003-runs', up: runs.up },
];
