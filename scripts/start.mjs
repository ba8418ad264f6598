// npm start: build, then launch Electron; where the Electron binary is missing, say so in one line and run browser mode.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const build = spawnSync(process.execPath, ['scripts/build.mjs', ...(binary ? [] : ['--renderer'])], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const child = binary
  ? spawn(binary, ['.'], { stdio: 'inherit' })
  : (console.log('Electron is not available on this machine (its binary could not be downloaded), so Lockstep is starting in browser mode instead.'),
    spawn(process.execPath, ['bin/lockstep.mjs', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
