// npm start: build, then launch Electron; where the Electron binary is missing, say so in one line and run browser mode.
// Every child (the build, then the app) gets the SIGINT/SIGTERM/SIGHUP this process gets, and this process exits when
// it does, so stopping `npm start` leaves nothing running.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';

const require = createRequire(import.meta.url);
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const exitCodeOf = (signal) => 128 + constants.signals[signal];

let current = null;
let stopping = null;
function stop(signal) {
  stopping = signal;
  if (current && current.exitCode === null && current.signalCode === null) current.kill(signal);
  else process.exit(exitCodeOf(signal));
}
for (const signal of FORWARDED_SIGNALS) process.on(signal, () => stop(signal));

// npm signals its script shell, and sh can die without passing the signal on: stop too when our parent goes away.
const parentAtStart = process.ppid;
setInterval(() => {
  if (process.ppid !== parentAtStart && !stopping) stop('SIGTERM');
}, 500).unref();

/** Runs one child to its end; resolves with its exit code (128 + n when a signal ended it). */
function run(command, args) {
  return new Promise((resolve) => {
    current = spawn(command, args, { stdio: 'inherit' });
    current.on('error', (error) => {
      console.error(`Could not start ${command}: ${error.message}`);
      resolve(1);
    });
    current.on('exit', (code, signal) => resolve(code ?? (signal ? exitCodeOf(signal) : 1)));
  });
}

function electronBinary() {
  try {
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const built = await run(process.execPath, ['scripts/build.mjs', ...(binary ? [] : ['--renderer'])]);
if (built !== 0 || stopping) process.exit(built || 1);

if (!binary) console.log('Electron is not available on this machine (its binary could not be downloaded), so Lockstep is starting in browser mode instead.');
const code = binary
  ? await run(binary, ['.'])
  : await run(process.execPath, ['bin/lockstep.mjs', 'serve', ...process.argv.slice(2)]);
process.exit(code);
