// The evaluation table's rules (issue 15 item 4) and the report (item 9): rows, best per column by the metric's
// direction, deltas against a baseline, CSV and the HTML's escaping.
import { describe, expect, it } from 'vitest';
import {
  bestPerColumn,
  checkpointRows,
  csvField,
  defaultBaseline,
  deltaOf,
  evaluationCsv,
  formatDelta,
  improves,
  reportCsvs,
  reportHtml,
  reportRun,
  tableColumns,
  thin,
} from '../../../shared/compare-report';
import { metricRefKey } from '../../../shared/paper-view';
import { PRESETS } from '../../../shared/objectives';
import { flatRunSettings } from '../../../shared/compare-settings';
import { fixture, listedRun } from './compare-report-fixture';

const ACC = { itemKey: 'multiple-choice mc.jsonl', metric: 'acc_norm' };
const BPB = { itemKey: 'perplexity general.jsonl', metric: 'bits_per_byte' };
const WIN = { itemKey: 'win-rate prompts', metric: 'win_rate' };

describe('checkpoint rows', () => {
  it('has one base row for runs from the same weights, then each run’s checkpoints in step order', () => {
    const data = fixture();
    const rows = checkpointRows(data.runs, data.evals);
    expect(rows.map((r) => r.key)).toEqual(['base:base-hash', 'run:1:4', 'run:1:8', 'run:2:4', 'run:2:8']);
    expect(rows[0]!.runIds).toEqual([1, 2]);
    expect(rows[0]!.label).toBe('base · demo');
    expect(rows.every((r) => r.status === 'evaluated')).toBe(true);
  });

  it('adds checkpoints on disk without an evaluation as rows to evaluate, and keeps a queued step’s status', () => {
    const data = fixture();
    data.evals['2']![2] = { ...data.evals['2']![2]!, status: 'queued', results: [] };
    const rows = checkpointRows(data.runs, data.evals, { checkpointSteps: { '1': [8, 12] } });
    expect(rows.find((r) => r.key === 'run:1:12')).toMatchObject({ status: 'not evaluated', items: [] });
    expect(rows.find((r) => r.key === 'run:2:8')).toMatchObject({ status: 'queued', items: [] });
  });

  it('keeps only the suite asked for', () => {
    const data = fixture();
    data.evals['1'] = data.evals['1']!.map((p) => (p.step === 8 ? { ...p, suite: 'other' } : p));
    expect(checkpointRows(data.runs, data.evals, { suite: 'demo' }).map((r) => r.key)).not.toContain('run:1:8');
  });
});

describe('best per column and deltas', () => {
  const data = fixture();
  const rows = checkpointRows(data.runs, data.evals);
  const best = bestPerColumn(rows, tableColumns(rows));

  it('marks the highest accuracy and win rate, and the lowest bits per byte', () => {
    expect([...best.get(metricRefKey(ACC))!]).toEqual(['run:1:8']);
    expect([...best.get(metricRefKey(WIN))!]).toEqual(['run:2:8']);
    expect([...best.get(metricRefKey(BPB))!]).toEqual(['run:2:4']);
  });

  it('marks every row that ties for best, and none in a column with a single value', () => {
    const one = rows.slice(0, 1);
    expect(bestPerColumn(one, tableColumns(one)).size).toBe(0);
    const tied = checkpointRows(data.runs, { '1': [data.evals['1']![1]!], '2': [{ ...data.evals['1']![1]!, step: 4 }] });
    expect([...bestPerColumn(tied, tableColumns(tied)).get(metricRefKey(ACC))!].sort()).toEqual(['base:base-hash', 'run:2:4']);
  });

  it('takes deltas against the base row by default, and says which way is better', () => {
    const baseline = defaultBaseline(rows);
    expect(baseline?.key).toBe('base:base-hash');
    const row = rows.find((r) => r.key === 'run:2:4')!;
    expect(deltaOf(row, baseline, ACC)).toBeCloseTo(0.02);
    expect(deltaOf(row, baseline, BPB)).toBeCloseTo(-0.3);
    expect(improves(-0.3, 'bits_per_byte')).toBe(true);
    expect(improves(-0.3, 'acc_norm')).toBe(false);
    expect(formatDelta(0.02)).toBe('+0.02');
    expect(formatDelta(-0.3)).toBe('−0.3');
    expect(deltaOf(row, undefined, ACC)).toBeNull();
  });

  it('writes the table as CSV with value, interval and delta per metric', () => {
    const csv = evaluationCsv(rows, tableColumns(rows), defaultBaseline(rows)).trim().split('\n');
    expect(csv[0]).toContain('multiple-choice mc.jsonl acc_norm,multiple-choice mc.jsonl acc_norm low');
    expect(csv).toHaveLength(rows.length + 1);
    const header = csv[0]!.split(',');
    const cells = csv.find((l) => l.startsWith('mmpo short · step 8'))!.split(',');
    expect(Number(cells[header.indexOf('multiple-choice mc.jsonl acc_norm')])).toBe(0.4);
    expect(Number(cells[header.indexOf('multiple-choice mc.jsonl acc_norm delta')])).toBeCloseTo(0.1);
  });
});

describe('the report', () => {
  it('keeps a <script> in a run name as text, in the HTML and its SVG titles', () => {
    const data = fixture();
    data.runs[0]!.name = '<script>alert(1)</script> & "x"';
    const html = reportHtml(data);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
  });

  it('holds the settings that differ, both runs’ curves, the evaluation table and the paper’s view, with no external request', () => {
    const html = reportHtml(fixture());
    expect(html).toContain('<th>objective</th>');
    expect(html).not.toContain('<th>seed</th>');
    expect(html.match(/class="curve-run"/g)).toHaveLength(2);
    expect(html.match(/<tr data-row=/g)).toHaveLength(5);
    expect(html.match(/class="paper-track"/g)).toHaveLength(2);
    // The only URL is the SVG namespace (an identifier, never fetched).
    expect(html.match(/https?:\/\/[^"]*/g)!.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/);
  });

  it('writes each table as CSV, quoting fields that need it', () => {
    const data = fixture();
    data.runs[1]!.name = 'dpo, "short"';
    const csvs = reportCsvs(data);
    expect(csvs.map((c) => c.table)).toEqual(['settings', 'evaluations', 'curves']);
    expect(csvs[0]!.text).toContain('2,"dpo, ""short""",dpo');
    expect(csvs[2]!.text.trim().split('\n')).toHaveLength(6);
    expect(csvField('a\nb')).toBe('"a\nb"');
  });

  it('shows selected generations with their verdicts, prompts and answers kept as text, and writes them as CSV', () => {
    const data = fixture();
    data.generations = {
      judge: 'rules',
      columns: [
        { name: 'base <b>', modelHash: 'a', generated: 1 },
        { name: 'dpo short · step 8', modelHash: 'b', generated: 0 },
      ],
      rows: [
        {
          promptHash: 'p1',
          prompt: 'Say <script>hi</script>',
          cells: [
            {
              text: '<img src=x onerror=alert(1)>',
              tokens: 5,
              finishReason: 'eos',
              verdict: { pass: false, reason: 'not uppercase', vsBase: null },
            },
            { text: null, tokens: null, finishReason: null, verdict: null },
          ],
        },
      ],
    };
    const html = reportHtml(data);
    expect(html).toContain('<section id="generations">');
    expect(html).toContain('Say &lt;script&gt;hi&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<th>base &lt;b&gt;</th>');
    expect(html).toContain('fail: not uppercase');
    expect(html).toContain('not generated');
    expect(html).not.toMatch(/<(script|img)\b/);
    const csv = reportCsvs(data).find((c) => c.table === 'generations')!.text;
    expect(csv.split('\n')[0]).toBe('prompt,base <b>,base <b> verdict,dpo short · step 8,dpo short · step 8 verdict');
    expect(csv).toContain('Say <script>hi</script>,<img src=x onerror=alert(1)>,fail,,');
    expect(reportHtml(fixture())).not.toContain('id="generations"');
    // The note says how many of the set's prompts the report shows: all, or those kept on the Generations tab.
    expect(html).toContain('The set’s one prompt through 2 models. Judge: rules');
    expect(reportHtml({ ...data, generationsTotal: 7 })).toContain('1 of the set’s 7 prompts (those kept on the Generations tab)');
  });

  it('thins a long curve to at most 250 points, keeping the first and last', () => {
    const steps = Array.from({ length: 2000 }, (_, i) => i + 1);
    const t = thin(steps, steps);
    expect(t.steps).toHaveLength(250);
    expect([t.steps[0], t.steps[249]]).toEqual([1, 2000]);
  });
});

describe('a run in the report', () => {
  it('has the settings the Compare page’s runs table lists, its objective and β', () => {
    for (const r of [
      listedRun(1, { objective: PRESETS.mmpo }),
      listedRun(2, { objective: PRESETS.dpo, lora: { rank: 8, alpha: 16 } }),
      listedRun(3, { objective: PRESETS.sft }),
    ])
      expect(reportRun(r).settings).toEqual(flatRunSettings(r));
    expect(reportRun(listedRun(2, { objective: { ...PRESETS.dpo, beta: 0.25 } }))).toMatchObject({ objective: 'dpo', beta: 0.25 });
    expect(reportRun(listedRun(3, { objective: PRESETS.sft })).beta).toBeNull();
  });

  it('marks a run imported from TRL, in its settings and as a TRL tag naming its folder, and leaves the studio’s own runs unmarked', () => {
    const imported = listedRun(
      4,
      { objective: PRESETS.dpo },
      { imported: { origin: 'trl', sourceDir: '/cluster/out', snapshotHash: null, snapshotMatched: false } },
    );
    const local = listedRun(1, { objective: PRESETS.dpo });
    expect(reportRun(imported)).toMatchObject({ importedFrom: '/cluster/out', settings: { trainedWith: 'TRL' } });
    expect(reportRun(local)).toMatchObject({ importedFrom: null, settings: { trainedWith: 'studio' } });
    const data = fixture();
    data.runs = [reportRun(local), reportRun(imported)];
    const html = reportHtml(data);
    expect(html).toContain('<th>trainedWith</th>');
    // Its settings row and the legends above the curves and the paper's view.
    expect(html.match(/data-imported title="Trained elsewhere with TRL; imported from \/cluster\/out">TRL</g)).toHaveLength(3);
    expect(reportHtml(fixture())).not.toContain('data-imported');
  });
});
