// Builds the app: electron-vite (main, preload, renderer) when the electron package is installed, else the
// renderer alone for browser mode. `--renderer` builds only the renderer.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const WASM_KERNELS = 'src/main/lpu/kernels/wasm/build/lpu-kernels.wasm';

const rendererOnly = process.argv.includes('--renderer') || !existsSync('node_modules/electron/package.json');
const [tool, args] = rendererOnly
  ? ['node_modules/vite/bin/vite.js', ['build', '-c', 'vite.renderer.config.ts', '--logLevel', 'warn']]
  : ['node_modules/electron-vite/bin/electron-vite.js', ['build', '--logLevel', 'warn']];
const result = spawnSync(process.execPath, [tool, ...args], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

// The WASM kernel loader resolves ./build/lpu-kernels.wasm beside its own bundled chunk: put the module there.
if (!rendererOnly && existsSync(WASM_KERNELS)) {
  for (const file of readdirSync('out/main', { recursive: true, encoding: 'utf8' })) {
    const chunk = path.join('out/main', file);
    if (chunk.endsWith('.js') && readFileSync(chunk, 'utf8').includes('lpu-kernels.wasm')) {
      mkdirSync(path.join(path.dirname(chunk), 'build'), { recursive: true });
      copyFileSync(WASM_KERNELS, path.join(path.dirname(chunk), 'build', 'lpu-kernels.wasm'));
      copyFileSync(WASM_KERNELS.replace('.wasm', '-relaxed.wasm'), path.join(path.dirname(chunk), 'build', 'lpu-kernels-relaxed.wasm'));
    }
  }
}

// The native kernels' loader looks for ./build/lockstep_kernels.node beside its bundled chunk: rebuild the addon
// there against Electron's headers; Node-API is ABI-stable, so the Node build is copied if that rebuild fails.
const NATIVE_KERNELS = 'src/main/lpu/kernels/native/build/Release/lockstep_kernels.node';
if (!rendererOnly) {
  for (const file of readdirSync('out/main', { recursive: true, encoding: 'utf8' })) {
    const chunk = path.join('out/main', file);
    if (!chunk.endsWith('.js') || !readFileSync(chunk, 'utf8').includes('lockstep_kernels.node')) continue;
    const dir = path.join(path.dirname(chunk), 'build');
    spawnSync(process.execPath, ['scripts/build-native.mjs', '--electron', '--out', dir], { stdio: 'inherit' });
    if (!existsSync(path.join(dir, 'lockstep_kernels.node')) && existsSync(NATIVE_KERNELS)) {
      mkdirSync(dir, { recursive: true });
      copyFileSync(NATIVE_KERNELS, path.join(dir, 'lockstep_kernels.node'));
    }
  }
}
