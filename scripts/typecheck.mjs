// Typechecks each run-time layer with its own tsconfig; the Electron layer needs electron's bundled types.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const projects = ['tsconfig.node.json', 'tsconfig.web.json', 'tsconfig.e2e.json'];
if (existsSync('node_modules/electron/electron.d.ts')) projects.push('tsconfig.electron.json', 'tsconfig.preload.json');
else console.log('typecheck: electron is not installed (its binary could not be fetched), so src/main/app and src/preload are not typechecked. Install with ELECTRON_SKIP_BINARY_DOWNLOAD=1 to check them.');

let failed = false;
for (const project of projects) {
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project, '--noEmit'], { stdio: 'inherit' });
    console.log(`typecheck: ${project} ok`);
  } catch {
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
