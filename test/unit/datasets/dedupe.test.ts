import { describe, expect, it } from 'vitest';
import { estimatedJaccard, findDuplicates, minhash, searchDuplicates, shingles } from '../../../main/core/datasets/dedupe';

describe('near-duplicate detection', () => {
  it('estimates Jaccard similarity of word shingles', () => {
    const a = shingles('the quick brown fox jumps over the lazy dog near the river bank today');
    const b = shingles('the quick brown fox jumps over the lazy dog near the river bank tonight');
    const c = shingles('completely different words about cooking pasta with tomato sauce and basil');
    const exact = [...a].filter((x) => b.has(x)).length / new Set([...a, ...b]).size;
    expect(Math.abs(estimatedJaccard(minhash(a), minhash(b)) - exact)).toBeLessThan(0.2);
    expect(estimatedJaccard(minhash(a), minhash(c))).toBeLessThan(0.2);
  });

  it('handles templated data that fills LSH buckets (20k near-identical records; all-pairs would exhaust memory)', () => {
    const template = 'Name a color and reply in uppercase letters only please because the rule says so';
    const items = Array.from({ length: 20_000 }, (_, i) => ({
      id: i + 1,
      contentHash: `h${i}`,
      text: `${template} ${i % 2 === 0 ? 'red' : 'blue'}`,
    }));
    const groups = findDuplicates(items, 0.8);
    expect(groups.every((g) => g.kind === 'near')).toBe(true);
    const grouped = groups.reduce((n, g) => n + g.ids.length, 0);
    expect(grouped).toBe(20_000);
  });

  it('steps through the search reporting progress (what a job reports and where it can stop), with the same groups', () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({
      id: i + 1,
      contentHash: `h${i % 4000}`,
      text: `record ${i % 4000} with a few words of its own ${i % 97}`,
    }));
    const search = searchDuplicates(items, 0.8);
    const steps: { done: number; total: number }[] = [];
    let step = search.next();
    for (; !step.done; step = search.next()) steps.push(step.value);
    expect(steps[0]).toEqual({ done: 0, total: 4000 });
    expect(steps.at(-1)).toEqual({ done: 4000, total: 4000 });
    expect(steps.length).toBeGreaterThan(2);
    expect(step.value).toEqual(findDuplicates(items, 0.8));
    expect(step.value.filter((g) => g.kind === 'exact')).toHaveLength(1000);
  });
});
