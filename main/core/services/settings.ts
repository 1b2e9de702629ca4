import { DEFAULT_SETTINGS, Settings } from '../../../shared/contract';
import type { Db } from '../db/open';

/** User settings, one JSON value per key; unknown or invalid stored values fall back to defaults. */
export function settingsService(db: Db) {
  const all = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings');
  const upsert = db.prepare(
    `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );

  const get = (): Settings => {
    const stored: Record<string, unknown> = {};
    for (const row of all.all()) stored[row.key] = JSON.parse(row.value);
    const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const key of Object.keys(Settings.shape) as (keyof Settings)[]) {
      const field = Settings.shape[key].safeParse(stored[key]);
      if (field.success) merged[key] = field.data;
    }
    return Settings.parse(merged);
  };

  const update = (patch: Partial<Settings>): Settings => {
    const now = Date.now();
    db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) upsert.run(key, JSON.stringify(value), now);
      }
    })();
    return get();
  };

  return { get, update };
}
