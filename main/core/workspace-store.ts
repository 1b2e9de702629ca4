import { Store } from './db/store';

/** The workspace's own facts (workspace_meta) and its row counts. */
export class WorkspaceStore extends Store {
  /** Sets meta values not set yet, in one transaction; returns the keys it set. */
  initMeta(values: [key: string, value: string][]): string[] {
    const insert = this.sql('INSERT OR IGNORE INTO workspace_meta (key, value) VALUES (?, ?)');
    return this.transaction(() => values.filter(([key, value]) => insert.run(key, value).changes > 0).map(([key]) => key));
  }

  meta(key: string): string | undefined {
    return this.value<[string], string>('SELECT value FROM workspace_meta WHERE key = ?').get(key);
  }

  counts(): { datasets: number; records: number; snapshots: number; models: number; runs: number } {
    const count = (table: string) => this.value<[], number>(`SELECT count(*) FROM ${table}`).get()!;
    return {
      datasets: count('datasets'),
      records: count('records'),
      snapshots: count('snapshots'),
      models: count('models'),
      runs: count('runs'),
    };
  }
}
