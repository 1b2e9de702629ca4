import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../main/cli/commands';
import { latestSchemaVersion } from '../../main/core/db/migrate';
import { callApi, REPO_ROOT, startServe, STUDIO_BIN } from '../helpers/serve';
import { tempDir } from '../helpers/tmp';
import { withStores } from '../helpers/workspace';

const t = tempDir();
afterAll(() => t.cleanup());
const workspace = join(t.dir, 'ws');
const FIXTURE = join(REPO_ROOT, 'test/fixtures/models/tiny-llama');

/** Runs `studio` as a real process; `workspace` by default, `null` for the commands that use none. */
function run(args: string[], options: { workspace?: string | null; env?: NodeJS.ProcessEnv } = {}) {
  const ws = options.workspace === undefined ? workspace : options.workspace;
  const res = spawnSync(process.execPath, [STUDIO_BIN, ...args, ...(ws === null ? [] : ['--workspace', ws])], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, STUDIO_NO_DEMO: '', ...options.env },
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}
const studio = (...args: string[]) => run(args);

describe('the studio CLI (a real process on a real workspace)', () => {
  it('studio info --json creates the workspace, with the demo dataset, and reports it', () => {
    const res = studio('info', '--json');
    expect(res.code, res.err).toBe(0);
    const info = JSON.parse(res.out) as unknown;
    expect(info).toMatchObject({ path: workspace, schemaVersion: latestSchemaVersion(), counts: { jobs: 0, datasets: 1, snapshots: 1 } });
  });

  it('every command that creates a workspace seeds the demo dataset, unless --no-demo or STUDIO_NO_DEMO=1', () => {
    const file = join(t.dir, 'one.jsonl');
    writeFileSync(file, '{"prompt":"a","chosen":"b","rejected":"c"}\n');
    const names = (ws: string) =>
      (JSON.parse(run(['datasets', '--json'], { workspace: ws }).out) as { name: string }[]).map((d) => d.name).sort();

    const imported = join(t.dir, 'ws-import');
    expect(run(['import', file, '--dataset', 'mine'], { workspace: imported }).code).toBe(0);
    expect(names(imported)).toEqual(['Demo: rule following', 'mine']);
    const listed = join(t.dir, 'ws-jobs');
    expect(run(['jobs'], { workspace: listed }).code).toBe(0);
    expect(names(listed)).toEqual(['Demo: rule following']);

    const flag = join(t.dir, 'ws-flag');
    expect(run(['import', file, '--dataset', 'mine', '--no-demo'], { workspace: flag }).code).toBe(0);
    expect(names(flag)).toEqual(['mine']);
    const env = join(t.dir, 'ws-env');
    expect(run(['info'], { workspace: env, env: { STUDIO_NO_DEMO: '1' } }).code).toBe(0);
    expect(names(env)).toEqual([]);
  });

  it('studio import reports every rejected row with its line and exits 0 when the file was read', () => {
    const file = join(t.dir, 'pairs.jsonl');
    writeFileSync(
      file,
      [
        '{"prompt":"a","chosen":"b","rejected":"c"}',
        '{"prompt":"x", "chosen":',
        '{"prompt":"d","chosen":"e","rejected":"f"}',
        '{"prompt":"g","chosen":"h"}',
      ].join('\n'),
    );
    const human = studio('import', file, '--dataset', 'mine');
    expect(human.code, human.err).toBe(0);
    expect(human.out).toMatch(/imported: 2\s+rejected: 2/);
    expect(human.out).toMatch(/error\s+pairs\.jsonl\s+2\s/);
    expect(human.out).toMatch(/error\s+pairs\.jsonl\s+4\s+4\s+rejected/);

    expect(human.out).toMatch(/--save-rejected FILE/);
    const rejectedFile = join(t.dir, 'rejected.jsonl');
    const json = studio('import', file, '--dataset', 'mine', '--json', '--save-rejected', rejectedFile);
    expect(json.code).toBe(0);
    expect(readFileSync(rejectedFile, 'utf8').trim().split('\n')).toEqual(['{"prompt":"x", "chosen":', '{"prompt":"g","chosen":"h"}']);
    const report = JSON.parse(json.out) as { errors: { line: number }[] };
    expect(report).toMatchObject({ dataset: 'mine', imported: 2, rejected: 2, format: 'trl-standard' });
    expect(report.errors.map((e) => e.line)).toEqual([2, 4]);
  });

  it('studio import exits non-zero when nothing could be read, and on a missing file', () => {
    const empty = join(t.dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const res = studio('import', empty);
    expect(res.code).toBe(2);
    expect(res.out).toMatch(/The file is empty/);
    const missing = studio('import', join(t.dir, 'nope.jsonl'), '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out)).toMatchObject({ ok: false });
  });

  it('studio datasets, snapshot and export round-trip the data', () => {
    const list = JSON.parse(studio('datasets', '--json').out) as { name: string; recordCount: number }[];
    expect(list.find((d) => d.name === 'mine')?.recordCount).toBe(4);
    const snap = studio('snapshot', 'mine', '--split-test', '0.5', '--json');
    expect(snap.code, snap.err).toBe(0);
    const snapshot = JSON.parse(snap.out) as { id: number; contentHash: string };
    expect(snapshot.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const out = join(t.dir, 'mine.jsonl');
    const exp = studio('export', 'mine', '--snapshot', String(snapshot.id), '--format', 'trl-jsonl', '--out', out);
    expect(exp.code, exp.err).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toEqual({ prompt: 'a', chosen: 'b', rejected: 'c' });
    const bad = studio('export', 'nosuch', '--out', out);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/no dataset named "nosuch"/);
  });

  it('studio model inspect describes an HF folder from its headers', () => {
    const res = run(['model', 'inspect', FIXTURE, '--json'], { workspace: null });
    expect(res.code, res.err).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({
      modelType: 'llama',
      architecture: 'LlamaForCausalLM',
      parameters: 37728,
      tensorCount: 21,
      tokenizer: { hasChatTemplate: true },
    });
    const missing = run(['model', 'inspect', t.dir], { workspace: null });
    expect(missing.code).toBe(EXIT.badModel);
    expect(missing.err).toMatch(/config\.json is missing/);
  });

  it('a broken model folder is one sentence naming the file, exit 3, the stack only with --verbose', () => {
    const badConfig = join(t.dir, 'bad-config');
    cpSync(FIXTURE, badConfig, { recursive: true });
    const config = JSON.parse(readFileSync(join(badConfig, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(badConfig, 'config.json'), JSON.stringify({ ...config, hidden_size: 'big' }));
    const truncated = join(t.dir, 'truncated');
    cpSync(FIXTURE, truncated, { recursive: true });
    const shard = join(truncated, 'model-00001-of-00002.safetensors');
    writeFileSync(shard, readFileSync(shard).subarray(0, 600));
    const cases: [string[], RegExp][] = [
      [
        ['score', '--model', badConfig, '--prompt', 'a', '--response', 'b'],
        /^studio score: .*bad-config: config\.json: "hidden_size" must be a number \(got "big"\)$/,
      ],
      [
        ['generate', '--model', truncated, '--prompt', 'a'],
        /^studio generate: .*truncated\/model-00001-of-00002\.safetensors is corrupt or truncated: .*$/,
      ],
      [['model', 'inspect', badConfig], /^studio model: .*bad-config: config\.json: "hidden_size" must be a number/],
    ];
    for (const [args, sentence] of cases) {
      const res = run(args, { workspace: null });
      expect(res.code, res.err).toBe(EXIT.badModel);
      expect(res.err.trim().split('\n'), args[0]).toHaveLength(1);
      expect(res.err.trim()).toMatch(sentence);
    }
    const json = run(['score', '--model', badConfig, '--prompt', 'a', '--response', 'b', '--json'], { workspace: null });
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, error: { code: 'INVALID_CONFIG' } });
    const verbose = run(['score', '--model', badConfig, '--prompt', 'a', '--response', 'b', '--verbose'], { workspace: null });
    expect(verbose.code).toBe(EXIT.badModel);
    expect(verbose.err).toMatch(/\n\s+at .*config\.ts/);
  });

  it('refuses unknown commands and options with one clear line', () => {
    const res = studio('frobnicate');
    expect(res.code).toBe(1);
    expect(res.err.trim().split('\n')).toHaveLength(1);
    const opt = studio('info', '--frob');
    expect(opt.code).toBe(1);
    expect(opt.err).toMatch(/Unknown option '--frob'/);
  });

  it('an error inside the studio is a bug: exit 5 in one line, the stack from where it threw only with --verbose', () => {
    const ws = join(t.dir, 'ws-internal');
    expect(run(['info'], { workspace: ws, env: { STUDIO_NO_DEMO: '1' } }).code).toBe(0);
    // Planted beside the studio: a job row whose error the contract cannot accept, so jobs.list fails inside the core.
    withStores(ws, ({ db, jobs }) =>
      db
        .prepare(`UPDATE jobs SET error = '{"code": 5}' WHERE id = ?`)
        .run(jobs.create({ kind: 'self-test', title: 'planted', lane: 'light', params: {} }).id),
    );
    const plain = run(['jobs'], { workspace: ws });
    expect(plain.code).toBe(EXIT.internal);
    expect(plain.err.trim().split('\n')).toEqual([
      expect.stringMatching(/^studio jobs: Internal error in jobs\.list: .*\(run again with --verbose for the stack\)$/),
    ]);
    const verbose = run(['jobs', '--verbose'], { workspace: ws });
    expect(verbose.code).toBe(EXIT.internal);
    expect(verbose.err).toMatch(/does not match the contract[^\n]*\n\s+at .*handlers\.ts/);
  });

  it('goes through the same door as HTTP: arguments the contract refuses get the same error from the CLI as from studio serve', async () => {
    const file = join(t.dir, 'door.jsonl');
    writeFileSync(file, '{"prompt":"a","chosen":"b","rejected":"c"}\n');
    const tooLong = 'n'.repeat(201); // the contract caps a dataset's name at 200 characters; the CLI does not check it itself
    const cli = studio('import', file, '--dataset', tooLong, '--json');
    expect(cli.code, cli.err).toBe(EXIT.failed);
    const fromCli = (JSON.parse(cli.out) as { error: { code: string; message: string } }).error;
    expect(fromCli.code).toBe('INVALID_ARGUMENT');
    expect(fromCli.message).toMatch(/datasets\.import: datasetName/);

    const serve = await startServe(join(t.dir, 'ws-door'), { STUDIO_NO_DEMO: '1' });
    try {
      const http = await callApi(serve.port, serve.token, 'datasets.import', { path: file, datasetName: tooLong });
      expect(http.status).toBe(400);
      expect({ code: http.json.error?.code, message: http.json.error?.message }).toEqual(fromCli);
    } finally {
      await serve.stop();
    }
    // Nothing was imported on either side.
    expect((JSON.parse(studio('datasets', '--json').out) as { name: string }[]).map((d) => d.name)).not.toContain(tooLong);
  });
});
