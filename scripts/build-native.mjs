// Builds the LPU's native kernels (src/main/lpu/kernels/native, a Node-API addon) with node-gyp; run by `npm install`
// (prepare) and `npm run build:native`. A failed build never fails the install: the WebAssembly kernels then run,
// and one line says so. `--electron` builds against Electron's headers for packaging (see the folder's README.md).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = path.join(root, 'src/main/lpu/kernels/native');
const electron = process.argv.includes('--electron');
// Both builds happen in a copy of the sources: the Electron one never replaces (or, failing, deletes) the Node build,
// and the Node one replaces the addon in one rename, so a process loading it meanwhile never finds it missing.
const addonDir = mkdtempSync(path.join(os.tmpdir(), electron ? 'lockstep-native-electron-' : 'lockstep-native-'));
cpSync(path.join(sourceDir, 'binding.gyp'), path.join(addonDir, 'binding.gyp'));
cpSync(path.join(sourceDir, 'src'), path.join(addonDir, 'src'), { recursive: true });
process.on('exit', () => rmSync(addonDir, { recursive: true, force: true }));
const built = path.join(addonDir, 'build/Release/lockstep_kernels.node');
const nodeBuild = path.join(sourceDir, 'build/Release/lockstep_kernels.node');
const log = path.join(sourceDir, 'build', electron ? 'build-electron.log' : 'build.log');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : undefined;

function notice(reason) {
  // scripts/build.mjs copies the Node build (Node-API is ABI-stable) when the Electron one fails
  console.warn(`lockstep: native LPU kernels not built (${reason}); ${electron ? 'the Node build is packaged instead' : 'the WebAssembly kernels will run'}.`);
  process.exit(0);
}

if (process.env.LOCKSTEP_SKIP_NATIVE === '1') notice('LOCKSTEP_SKIP_NATIVE=1');

// npm exports its bundled node-gyp to lifecycle scripts; otherwise look beside npm, then in node_modules.
const nodeGyp = [
  process.env.npm_config_node_gyp,
  path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  path.join(root, 'node_modules/node-gyp/bin/node-gyp.js'),
].find((candidate) => candidate && existsSync(candidate));
if (!nodeGyp) notice('node-gyp not found');

const args = [nodeGyp, 'rebuild', '--directory', addonDir];
if (electron) {
  // Node-API is ABI-stable, so the Node build also loads in Electron; this rebuild uses Electron's own headers.
  const version = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('electron/package.json'), 'utf8')).version;
  args.push(`--target=${version}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers');
} else {
  // Headers of the running Node (official and distribution builds ship them), so the build works offline.
  const nodeDir = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(nodeDir, 'include/node/node_api.h'))) args.push(`--nodedir=${nodeDir}`);
}
const result = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
mkdirSync(path.dirname(log), { recursive: true });
writeFileSync(log, `${result.stdout ?? ''}${result.stderr ?? ''}`);
if (result.status !== 0 || !existsSync(built)) notice(`node-gyp failed${electron ? ' for Electron' : ''}; see ${path.relative(root, log)}`);
if (!electron) {
  mkdirSync(path.dirname(nodeBuild), { recursive: true });
  const staged = `${nodeBuild}.${process.pid}.tmp`;
  copyFileSync(built, staged);
  renameSync(staged, nodeBuild);
}
if (outDir) {
  mkdirSync(outDir, { recursive: true });
  copyFileSync(built, path.join(outDir, 'lockstep_kernels.node'));
}
console.log(`built ${path.relative(root, outDir ? path.join(outDir, 'lockstep_kernels.node') : nodeBuild)}`);
