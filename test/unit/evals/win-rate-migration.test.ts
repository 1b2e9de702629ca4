/**
 * Migration 0010 (generations): eval_results is rebuilt to accept the
 * `win-rate` kind without losing a stored result or unlinking its per-item
 * rows, and generations keeps one response per (model, prompt, settings) hash
 * (GenerationStore.put keeps the first).
 */
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/db/migrate';
import { MIGRATIONS } from '../../../main/core/db/migrations';
import { GenerationStore } from '../../../main/core/evals/generation-store';
import { freshDbEachTest } from '../../helpers/db';

const freshDb = freshDbEachTest();

describe('migration 0010-generations', () => {
  it('keeps every stored result and its items while eval_results learns the win-rate kind', () => {
    const d = freshDb();
    migrate(
      d,
      MIGRATIONS.filter((m) => m.version < 10),
    );
    const result = d
      .prepare(
        `INSERT INTO eval_results (model_hash, data_hash, settings_hash, item_kind, item_label, model_name, settings, metrics, summary, created_at)
         VALUES ('m', 'd', 's', 'multiple-choice', 'mc.jsonl', 'demo', '{}', '{"acc":0.5}', '{}', 1) RETURNING id`,
      )
      .pluck()
      .get() as number;
    d.prepare(`INSERT INTO eval_item_results (result_id, seq, item_id, correct, detail) VALUES (?, 0, 'q1', 1, '{}')`).run(result);
    expect(() =>
      d
        .prepare(
          `INSERT INTO eval_results (model_hash, data_hash, settings_hash, item_kind, item_label, model_name, settings, metrics, summary, created_at)
           VALUES ('m', 'd2', 's', 'win-rate', 'w', 'demo', '{}', '{}', '{}', 1)`,
        )
        .run(),
    ).toThrow(/CHECK constraint/);

    // Later steps may follow; 0010 is the first one this database needs.
    expect(migrate(d).applied[0]).toBe('0010-generations');
    expect(d.prepare('SELECT id, item_kind, metrics FROM eval_results').all()).toEqual([
      { id: result, item_kind: 'multiple-choice', metrics: '{"acc":0.5}' },
    ]);
    d.prepare(
      `INSERT INTO eval_results (model_hash, data_hash, settings_hash, item_kind, item_label, model_name, settings, metrics, summary, created_at)
       VALUES ('m', 'd2', 's', 'win-rate', 'w', 'demo', '{}', '{}', '{}', 1)`,
    ).run();
    // The items still belong to their result: deleting it cascades (foreign keys are back on).
    expect(d.prepare('SELECT item_id FROM eval_item_results WHERE result_id = ?').pluck().all(result)).toEqual(['q1']);
    d.prepare('DELETE FROM eval_results WHERE id = ?').run(result);
    expect(d.prepare('SELECT COUNT(*) FROM eval_item_results').pluck().get()).toBe(0);
  });

  it('stores one generation per model, prompt and settings hash', () => {
    const d = freshDb();
    migrate(d);
    const store = new GenerationStore(d);
    const g = {
      modelHash: 'm',
      promptHash: 'p',
      settingsHash: 's',
      prompt: 'Name a tool.',
      text: 'HAMMER',
      tokens: 3,
      finishReason: 'stop_token' as const,
      settings: { sampling: { seed: 0 } },
      modelName: 'demo',
      jobId: null,
    };
    const first = store.put(g);
    expect(store.put({ ...g, text: 'saw' })).toEqual(first);
    expect(store.get(first.id)).toMatchObject({ text: 'HAMMER', settings: { sampling: { seed: 0 } }, finishReason: 'stop_token' });
    expect(store.put({ ...g, settingsHash: 's2', text: 'saw' }).id).not.toBe(first.id);
    expect([...store.findMany('m', 's', ['p', 'q']).keys()]).toEqual(['p']);
    expect(store.count('m', 's')).toBe(1);
  });
});
