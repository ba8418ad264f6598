import { defineConfig } from 'electron-vite';
import { readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { rendererConfig } from './vite.renderer.config';

// Worker threads are separate entry points so startWorker() finds out/main/<name>.worker.js in the packaged app.
const workerEntries = Object.fromEntries(
  readdirSync('src/main', { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.worker.ts'))
    .map((file) => [basename(file, '.ts'), resolve('src/main', file)]),
);

export default defineConfig({
  main: {
    build: {
      target: 'node20',
      rollupOptions: {
        input: { index: resolve('src/main/app/main.ts'), ...workerEntries },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require() packages: bundle zod and the contract into one CommonJS file.
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: rendererConfig,
});
