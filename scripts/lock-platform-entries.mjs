// The npm registry reachable here does not serve node-llama-cpp's macOS/Windows/riscv64 prebuilt packages, so
// npm writes no lock entries for them and `npm ci` then rejects the lock. This re-adds those entries (optional,
// with their os/cpu) so `npm ci` skips them on Linux. Run after any `npm install` that rewrites package-lock.json.
import { readFileSync, writeFileSync } from 'node:fs';

const platforms = {
  'linux-riscv64': [['linux'], ['riscv64']],
  'mac-arm64-metal': [['darwin'], ['arm64']],
  'mac-x64': [['darwin'], ['x64']],
  'win-arm64': [['win32'], ['arm64']],
  'win-x64': [['win32'], ['x64']],
  'win-x64-cuda': [['win32'], ['x64']],
  'win-x64-cuda-ext': [['win32'], ['x64']],
  'win-x64-vulkan': [['win32'], ['x64']],
};

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const owner = lock.packages['node_modules/node-llama-cpp'];
let added = 0;
for (const [name, version] of Object.entries(owner?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  const platform = platforms[name.split('/')[1]];
  if (lock.packages[key] || !platform) continue;
  lock.packages[key] = { version, cpu: platform[1], dev: true, license: 'MIT', optional: true, os: platform[0], engines: { node: '>=20.0.0' } };
  added++;
}
// npm orders lock keys with an 'en' locale compare (`_` before `-`, unlike code-unit order); match it so the next
// `npm install` does not move entries and dirty a fresh clone.
const byNpmOrder = ([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'));
if (added > 0) {
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(byNpmOrder));
  writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
}
console.log(`lock: ${added} platform entries added`);
