// Bundles the benchmark's engine processes the way the packaged app ships its main process: our source in one
// ESM file per entry (workers beside it, where startWorker() looks; the WASM and native kernels in build/), npm packages left external. Engines then
// run on plain Node, so their resident set is the product's, not tsx's (tsx costs ~40 MB per thread from source).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Builds the engine scripts (paths relative to test/bench/lib) into .cache/bench/engines; returns their bundle paths. */
export async function bundleEngines(engineScripts: string[]): Promise<Map<string, string>> {
  // one folder per bench process: two benches running at once must not delete each other's engines
  const outdir = path.join(root, '.cache/bench/engines', String(process.pid));
  rmSync(outdir, { recursive: true, force: true });
  process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
  const workers = readdirSync(path.join(root, 'src/main'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.worker.ts'))
    .map((file) => path.join(root, 'src/main', file));
  await build({
    entryPoints: [...engineScripts.map((s) => path.join(root, 'test/bench/lib', s)), ...workers],
    outdir, entryNames: '[name]', // .js is ESM here: the repo's package.json says "type": "module"
    bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
  });
  mkdirSync(path.join(outdir, 'build'), { recursive: true });
  for (const build of ['lpu-kernels.wasm', 'lpu-kernels-relaxed.wasm']) {
    copyFileSync(path.join(root, 'src/main/lpu/kernels/wasm/build', build), path.join(outdir, 'build', build));
  }
  const addon = path.join(root, 'src/main/lpu/kernels/native/build/Release/lockstep_kernels.node');
  if (existsSync(addon)) copyFileSync(addon, path.join(outdir, 'build/lockstep_kernels.node')); // the native kernels' loader looks there too
  return new Map(engineScripts.map((s) => [s, path.join(outdir, s.replace(/\.ts$/, '.js'))]));
}
