import type { Db } from '../open';

/**
 * Datasets of preference records, their imports (with every rejected row),
 * edit history, tags, immutable content-hashed snapshots, and a full-text
 * index over prompts and responses.
 */
export function up(db: Db): void {
  db.exec(`
    CREATE TABLE datasets (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
      description TEXT NOT NULL DEFAULT '',
      created_at  INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE imports (
      id            INTEGER PRIMARY KEY,
      dataset_id    INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
      job_id        INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
      file          TEXT NOT NULL,
      path          TEXT,
      container     TEXT,
      format        TEXT,
      mapping       TEXT CHECK (mapping IS NULL OR json_valid(mapping)),
      explanation   TEXT NOT NULL DEFAULT '',
      status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
      rows_seen     INTEGER NOT NULL DEFAULT 0,
      imported      INTEGER NOT NULL DEFAULT 0,
      rejected      INTEGER NOT NULL DEFAULT 0,
      warnings      INTEGER NOT NULL DEFAULT 0,
      stats         TEXT CHECK (stats IS NULL OR json_valid(stats)),
      created_at    INTEGER NOT NULL,
      finished_at   INTEGER
    ) STRICT;

    CREATE TABLE import_errors (
      id          INTEGER PRIMARY KEY,
      import_id   INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
      file        TEXT NOT NULL,
      line        INTEGER,
      row         INTEGER,
      field       TEXT,
      byte_offset INTEGER,
      code        TEXT NOT NULL,
      severity    TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
      reason      TEXT NOT NULL,
      raw         TEXT
    ) STRICT;
    CREATE INDEX import_errors_by_import ON import_errors (import_id, id);

    CREATE TABLE records (
      id            INTEGER PRIMARY KEY,
      dataset_id    INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
      import_id     INTEGER REFERENCES imports (id) ON DELETE SET NULL,
      kind          TEXT NOT NULL CHECK (kind IN ('preference', 'unlabeled-pair', 'prompt-only')),
      prompt        TEXT NOT NULL CHECK (json_valid(prompt)),
      chosen        TEXT CHECK (chosen IS NULL OR json_valid(chosen)),
      rejected      TEXT CHECK (rejected IS NULL OR json_valid(rejected)),
      responses     TEXT CHECK (responses IS NULL OR json_valid(responses)),
      system        TEXT,
      prompt_text   TEXT NOT NULL,
      chosen_text   TEXT NOT NULL DEFAULT '',
      rejected_text TEXT NOT NULL DEFAULT '',
      prompt_chars  INTEGER NOT NULL,
      chosen_chars  INTEGER NOT NULL DEFAULT 0,
      rejected_chars INTEGER NOT NULL DEFAULT 0,
      prompt_hash   TEXT NOT NULL,
      content_hash  TEXT NOT NULL,
      split         TEXT CHECK (split IN ('train', 'test')),
      flags         INTEGER NOT NULL DEFAULT 0,
      meta          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(meta)),
      source_file   TEXT,
      source_line   INTEGER,
      source_row    INTEGER,
      original      TEXT,
      version       INTEGER NOT NULL DEFAULT 1,
      created_at    INTEGER NOT NULL,
      updated_at    INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX records_by_dataset ON records (dataset_id, id);
    CREATE INDEX records_by_split ON records (dataset_id, split);
    -- No indexes on the hashes: only whole-dataset actions (split, dedupe,
    -- snapshot) read them, and every index costs imports about an eighth.

    CREATE TABLE record_history (
      id         INTEGER PRIMARY KEY,
      record_id  INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
      version    INTEGER NOT NULL,
      changed_at INTEGER NOT NULL,
      reason     TEXT NOT NULL DEFAULT '',
      before     TEXT NOT NULL CHECK (json_valid(before)),
      after      TEXT NOT NULL CHECK (json_valid(after))
    ) STRICT;
    CREATE INDEX record_history_by_record ON record_history (record_id, version);

    CREATE TABLE tags (
      id   INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE
    ) STRICT;

    CREATE TABLE record_tags (
      record_id INTEGER NOT NULL REFERENCES records (id) ON DELETE CASCADE,
      tag_id    INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
      PRIMARY KEY (record_id, tag_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX record_tags_by_tag ON record_tags (tag_id, record_id);

    -- A snapshot is a frozen copy: later edits to records never change it.
    -- It is written with content_hash 'pending', finalised once, then frozen.
    CREATE TABLE snapshots (
      id           INTEGER PRIMARY KEY,
      dataset_id   INTEGER NOT NULL REFERENCES datasets (id) ON DELETE RESTRICT,
      name         TEXT NOT NULL,
      content_hash TEXT NOT NULL,
      record_count INTEGER NOT NULL,
      train_count  INTEGER NOT NULL,
      test_count   INTEGER NOT NULL,
      filter       TEXT CHECK (filter IS NULL OR json_valid(filter)),
      created_at   INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX snapshots_by_dataset ON snapshots (dataset_id, id);

    CREATE TABLE snapshot_records (
      snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
      ordinal     INTEGER NOT NULL,
      record_id   INTEGER,
      split       TEXT CHECK (split IN ('train', 'test')),
      content     TEXT NOT NULL CHECK (json_valid(content)),
      PRIMARY KEY (snapshot_id, ordinal)
    ) STRICT, WITHOUT ROWID;

    CREATE TRIGGER snapshots_are_immutable BEFORE UPDATE ON snapshots
      WHEN OLD.content_hash != 'pending'
        AND (NEW.content_hash IS NOT OLD.content_hash OR NEW.record_count IS NOT OLD.record_count OR NEW.dataset_id IS NOT OLD.dataset_id)
      BEGIN SELECT RAISE(ABORT, 'snapshots are immutable'); END;
    CREATE TRIGGER snapshot_records_are_immutable BEFORE UPDATE ON snapshot_records
      BEGIN SELECT RAISE(ABORT, 'snapshots are immutable'); END;

    -- Full-text index over prompt, chosen and rejected as one document per
    -- record. Contentless (the text lives in records) and without positions
    -- (searches are words and prefixes, never phrases): the smallest index, and
    -- the cheapest to build during an import.
    CREATE VIRTUAL TABLE records_fts USING fts5 (
      body,
      content = '', contentless_delete = 1, detail = none,
      tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN
      INSERT INTO records_fts (rowid, body) VALUES (NEW.id, NEW.prompt_text || ' ' || NEW.chosen_text || ' ' || NEW.rejected_text);
    END;
    CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN
      DELETE FROM records_fts WHERE rowid = OLD.id;
    END;
    CREATE TRIGGER records_fts_update AFTER UPDATE OF prompt_text, chosen_text, rejected_text ON records BEGIN
      DELETE FROM records_fts WHERE rowid = OLD.id;
      INSERT INTO records_fts (rowid, body) VALUES (NEW.id, NEW.prompt_text || ' ' || NEW.chosen_text || ' ' || NEW.rejected_text);
    END;
  `);
}
