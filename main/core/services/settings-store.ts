import { Store } from '../db/store';

/** User settings in the workspace database, one JSON text per key. */
export class SettingsStore extends Store {
  all(): { key: string; value: string }[] {
    return this.sql<[], { key: string; value: string }>('SELECT key, value FROM settings').all();
  }

  /** Writes values (JSON texts) in one transaction. */
  put(values: [key: string, value: string][]): void {
    const upsert = this.sql(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    const now = Date.now();
    this.transaction(() => {
      for (const [key, value] of values) upsert.run(key, value, now);
    });
  }
}
