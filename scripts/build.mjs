// Builds the app: electron-vite (main, preload, renderer) when the electron package is installed, else the
// renderer alone for browser mode. `--renderer` builds only the renderer.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const rendererOnly = process.argv.includes('--renderer') || !existsSync('node_modules/electron/package.json');
const [tool, args] = rendererOnly
  ? ['node_modules/vite/bin/vite.js', ['build', '-c', 'vite.renderer.config.ts', '--logLevel', 'warn']]
  : ['node_modules/electron-vite/bin/electron-vite.js', ['build', '--logLevel', 'warn']];
const result = spawnSync(process.execPath, [tool, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
