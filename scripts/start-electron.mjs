// `npm start`: launch the desktop app on the default workspace (or
// `npm start -- --workspace DIR`). Where Electron cannot run — its binary is
// missing and cannot be downloaded, or there is no display — say so in one
// sentence and point to serve mode instead of printing a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const FALLBACK = 'Run `npm run serve` to use Alignment Studio in your browser instead.';

function fail(sentence) {
  console.error(`${sentence} ${FALLBACK}`);
  process.exit(1);
}

/** The Electron binary's path, or null when it was never downloaded (read without triggering Electron's own noisy download). */
function electronBinary() {
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binaryPath = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist'), readFileSync(pathFile, 'utf8').trim());
  return existsSync(binaryPath) ? binaryPath : null;
}

let binary = electronBinary();
if (!binary) {
  // npm ci does not run Electron's download script (see allowScripts); try it once now.
  console.log('Downloading the Electron binary (first start only)…');
  const install = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], { stdio: 'ignore' });
  binary = install.status === 0 ? electronBinary() : null;
  if (!binary) fail('Electron cannot start here: its binary is not installed and could not be downloaded on this machine.');
}

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  fail('Electron cannot start here: there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set).');
}

// better-sqlite3 in node_modules is built for Node; Electron needs a build for its own ABI.
// Build it once into .electron-native/ so the CLI and tests keep the Node build.
const electronVersion = require('electron/package.json').version;
const nativeDir = join(root, '.electron-native');
const nativeBinding = join(nativeDir, 'better_sqlite3.node');
const stamp = join(nativeDir, `electron-${electronVersion}`);
if (!existsSync(nativeBinding) || !existsSync(stamp)) {
  console.log(`Building the SQLite module for Electron ${electronVersion} (first start only)…`);
  try {
    // node-gyp ships with npm, which names it in npm_config_node_gyp for scripts it runs.
    const nodeGyp = process.env.npm_config_node_gyp;
    if (!nodeGyp) throw new Error('run it through `npm start`, which provides node-gyp');
    const work = join(nativeDir, 'better-sqlite3');
    cpSync(join(root, 'node_modules', 'better-sqlite3'), work, { recursive: true });
    const args = [
      nodeGyp,
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      `--arch=${process.arch}`,
      '--dist-url=https://electronjs.org/headers',
    ];
    const built = spawnSync(process.execPath, args, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`node-gyp could not build it; it needs network access for Electron's headers the first time`);
    copyFileSync(join(work, 'build', 'Release', 'better_sqlite3.node'), nativeBinding);
    writeFileSync(stamp, '');
  } catch (err) {
    fail(`Electron cannot start here: building SQLite for Electron failed (${err instanceof Error ? err.message.split('\n')[0] : err}).`);
  }
}

const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
