// Compiles the AssemblyScript SIMD kernels into src/main/lpu/kernels/wasm/build/ (run by `npm run build:wasm`).
// The module imports the runtime's shared arena memory and must carry no data segments, because instantiating
// it would otherwise write into arena bytes the memory plan owns.
import asc from 'assemblyscript/asc';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wasmDir = path.join(root, 'src/main/lpu/kernels/wasm');
mkdirSync(path.join(wasmDir, 'build'), { recursive: true });

// Two builds of the same sources: SIMD, and SIMD + relaxed SIMD (the loader picks it where the engine validates it).
for (const [name, features] of [['lpu-kernels', []], ['lpu-kernels-relaxed', ['--enable', 'relaxed-simd']]]) {
  const outFile = path.join(wasmDir, `build/${name}.wasm`);
  const textFile = path.join(wasmDir, `build/${name}.wat`);
  const { error, stderr } = await asc.main([
    path.join(wasmDir, 'assembly/index.ts'),
    '--outFile', outFile,
    '--textFile', textFile,
    '--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert',
    '--runtime', 'stub',
    '--enable', 'simd', '--enable', 'threads', ...features,
    '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536', '--noExportMemory',
    '--use', 'abort=',
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`WASM kernel build failed: ${error.message}`);
    process.exit(1);
  }
  if (/\(data\b/.test(readFileSync(textFile, 'utf8'))) {
    console.error('WASM kernel build produced a data segment; it would overwrite arena memory at instantiation.');
    process.exit(1);
  }
  console.log(`built ${path.relative(root, outFile)}`);
}
