import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The renderer's build, shared by electron-vite (the app) and plain Vite (browser mode without Electron).
export const rendererConfig = {
  root: resolve('src/renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve('out/renderer'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
  },
};

export default defineConfig(rendererConfig);
