import { DEFAULT_SETTINGS, Settings } from '../../../shared/contract';
import type { Db } from '../db/open';
import { SettingsStore } from './settings-store';

/** User settings, one JSON value per key; unknown or invalid stored values fall back to defaults. */
export function settingsService(db: Db) {
  const store = new SettingsStore(db);

  const get = (): Settings => {
    const stored: Record<string, unknown> = {};
    for (const row of store.all()) stored[row.key] = JSON.parse(row.value);
    const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const key of Object.keys(Settings.shape) as (keyof Settings)[]) {
      const field = Settings.shape[key].safeParse(stored[key]);
      if (field.success) merged[key] = field.data;
    }
    return Settings.parse(merged);
  };

  const update = (patch: Partial<Settings>): Settings => {
    store.put(
      Object.entries(patch).flatMap(([key, value]): [string, string][] => (value === undefined ? [] : [[key, JSON.stringify(value)]])),
    );
    return get();
  };

  return { get, update };
}
