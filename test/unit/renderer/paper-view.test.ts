// The paper's view (issue 15 item 5): a point per checkpoint at (capability, alignment), a track per run from
// its base model through its checkpoints in step order, one colour per run (the Compare page's), and an SVG
// whose user strings stay text.
import { describe, expect, it } from 'vitest';
import { checkpointRows, rowsOfRun } from '../../../shared/compare-report';
import { alignmentChoices, capabilityChoices, paperGeometry, paperViewSvg, readMetric } from '../../../shared/paper-view';
import { fixture } from '../runs/compare-report-fixture';

const ACC = { itemKey: 'multiple-choice mc.jsonl', metric: 'acc_norm' };
const BPB = { itemKey: 'perplexity general.jsonl', metric: 'bits_per_byte' };
const WIN = { itemKey: 'win-rate prompts', metric: 'win_rate' };

function geometry(capability = ACC) {
  const data = fixture();
  const rows = checkpointRows(data.runs, data.evals);
  return paperGeometry(data.runs, (id) => rowsOfRun(rows, id), capability, WIN, { width: 600, height: 400 });
}

describe("the paper's view", () => {
  it('puts each checkpoint at (capability, alignment), each track from the base model in step order', () => {
    const g = geometry();
    expect(g.tracks.map((t) => t.run.id)).toEqual([1, 2]);
    const [mmpo, dpo] = g.tracks;
    expect(mmpo!.points.map((p) => [p.step, p.x, p.y])).toEqual([
      [0, 0.3, 0.5],
      [4, 0.35, 0.6],
      [8, 0.4, 0.7],
    ]);
    expect(dpo!.points.map((p) => p.step)).toEqual([0, 4, 8]);
    // Both tracks start at the same base point.
    expect([mmpo!.points[0]!.px, mmpo!.points[0]!.py]).toEqual([dpo!.points[0]!.px, dpo!.points[0]!.py]);
    // Right and up are better: a higher accuracy is further right, a higher win rate higher up (smaller y).
    expect(mmpo!.points[2]!.px).toBeGreaterThan(mmpo!.points[0]!.px);
    expect(mmpo!.points[2]!.py).toBeLessThan(mmpo!.points[0]!.py);
    // Every point lies in the plot.
    for (const p of g.tracks.flatMap((t) => t.points)) {
      expect(p.px).toBeGreaterThanOrEqual(g.plot.left);
      expect(p.px).toBeLessThanOrEqual(g.plot.right);
      expect(p.py).toBeGreaterThanOrEqual(g.plot.top);
      expect(p.py).toBeLessThanOrEqual(g.plot.bottom);
    }
    // Intervals as stored: acc_norm ± stderr, the win rate's bootstrap interval.
    expect(mmpo!.points[1]).toMatchObject({ yLow: 0.5, yHigh: 0.7 });
    expect(mmpo!.points[1]!.xLow).toBeCloseTo(0.33);
    expect(mmpo!.points[1]!.xHigh).toBeCloseTo(0.37);
    expect(mmpo!.points[1]!.title).toContain('mmpo short (#1), step 4');
    expect(mmpo!.points[1]!.title).toContain('win_rate: 0.6 [0.5, 0.7]');
  });

  it('negates a lower-is-better capability (bits per byte), so right is still better', () => {
    const g = geometry(BPB);
    expect(g.xTitle).toBe('−bits_per_byte');
    const dpo = g.tracks[1]!.points;
    expect(dpo.map((p) => p.x)).toEqual([-1.3, -1, -1.05]);
    expect(dpo[1]!.px).toBeGreaterThan(dpo[0]!.px);
  });

  it('leaves out a checkpoint without both metrics and counts it', () => {
    const data = fixture();
    data.evals['2']![2]!.results = data.evals['2']![2]!.results.filter((r) => r.kind !== 'win-rate');
    const rows = checkpointRows(data.runs, data.evals);
    const g = paperGeometry(data.runs, (id) => rowsOfRun(rows, id), ACC, WIN);
    expect(g.tracks[1]!.points.map((p) => p.step)).toEqual([0, 4]);
    expect(g.missing).toBe(1);
  });

  it('offers acc_norm before perplexity and the win rate before preference accuracy', () => {
    const data = fixture();
    const rows = checkpointRows(data.runs, data.evals);
    expect(capabilityChoices(rows).map((c) => c.metric)).toEqual(['acc_norm', 'acc', 'bits_per_byte', 'perplexity']);
    expect(alignmentChoices(rows)[0]).toEqual(WIN);
    expect(readMetric(rows[0]!.items, { itemKey: 'nope', metric: 'acc' })).toBeNull();
  });

  it('draws an arrow from each point to the next within a run, in the run’s colour, and escapes names', () => {
    const data = fixture();
    data.runs[0]!.name = '<script>alert("x")</script>';
    const rows = checkpointRows(data.runs, data.evals);
    const svg = paperViewSvg(paperGeometry(data.runs, (id) => rowsOfRun(rows, id), ACC, WIN));
    expect(svg.match(/class="paper-arrow"/g)).toHaveLength(4);
    expect(svg.match(/<circle class="paper-point"/g)).toHaveLength(6);
    const track1 = /<g class="paper-track" data-run-id="1"[^>]*>([\s\S]*?)<\/g>/.exec(svg)![1]!;
    expect(track1).toContain('stroke="#1f77b4"');
    expect(track1).not.toContain('#ff7f0e');
    expect([...track1.matchAll(/data-step="(\d+)"/g)].map((m) => m[1])).toEqual(['0', '4', '8']);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });
});
