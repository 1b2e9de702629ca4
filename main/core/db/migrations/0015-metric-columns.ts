import type { Db } from '../open';

/**
 * A packed copy of a run's metric column (all its steps and values as two
 * float64 blobs), which the Compare page, the comparison report and
 * `studio compare` read instead of one row per step: 50 runs × 5 metrics ×
 * 2,000 steps are half a million rows and about 300 ms of the server's
 * time to read as rows, 13 ms as 250 blobs (issue 15's first-open target).
 *
 * A copy is only a cache: CompareStore.series writes it after reading the
 * rows of a run that is not training, and any write to the column's rows —
 * a training step, a resume that logs a step again, a TRL re-import —
 * deletes it (the triggers below), so a copy is never stale. Rows deleted
 * with their run take the copies with them (foreign key).
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE run_metric_columns (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      name   TEXT NOT NULL,
      steps  BLOB NOT NULL,
      vals   BLOB NOT NULL,
      PRIMARY KEY (run_id, name)
    ) STRICT, WITHOUT ROWID;

    CREATE TRIGGER run_metrics_insert_stales_column AFTER INSERT ON run_metrics BEGIN
      DELETE FROM run_metric_columns WHERE run_id = NEW.run_id AND name = NEW.name;
    END;
    CREATE TRIGGER run_metrics_update_stales_column AFTER UPDATE ON run_metrics BEGIN
      DELETE FROM run_metric_columns WHERE run_id = OLD.run_id AND name = OLD.name;
      DELETE FROM run_metric_columns WHERE run_id = NEW.run_id AND name = NEW.name;
    END;
    CREATE TRIGGER run_metrics_delete_stales_column AFTER DELETE ON run_metrics BEGIN
      DELETE FROM run_metric_columns WHERE run_id = OLD.run_id AND name = OLD.name;
    END;
  `);
}
