// `npm run dist`: package installers with electron-builder (Linux AppImage +
// deb, macOS dmg, Windows NSIS — each on its own OS). electron-builder
// downloads Electron and rebuilds native modules, so it needs a networked
// machine; when it cannot reach the network, say that plainly.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const cli = require.resolve('electron-builder/cli.js');
const args = [cli, '--config', 'electron-builder.yml', '--publish', 'never', ...process.argv.slice(2)];

const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
for (const stream of [child.stdout, child.stderr]) {
  stream.on('data', (chunk) => {
    output += chunk;
    process.stdout.write(chunk);
  });
}
child.on('exit', (code) => {
  if (code === 0) {
    console.log('Installers are in release/.');
    process.exit(0);
  }
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|getaddrinfo|unable to download|cannot download/i.test(output)) {
    console.error(
      '\nPackaging needs a networked machine: electron-builder downloads the Electron binary and native-module headers, and this machine cannot reach them.',
    );
  }
  process.exit(code ?? 1);
});
