import { Command, CommanderError } from 'commander';
import { AppError } from '../../shared/errors';
import { createCliContext } from './context';
import { commandModules } from './commands/index';
import { forCli } from './wording';

// Exit codes: 0 success, 1 a user-facing failure (AppError), 2 usage error, 70 an internal failure.
export async function runCli(argv: string[]): Promise<number> {
  const code = await runCommand(argv);
  // The caller exits the process next; output still queued for a pipe would be lost (cut at the pipe's 128 KiB).
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  return code;
}

/** Resolves once everything written to the stream so far has been handed to the OS (or the stream failed). */
export function flushed(stream: NodeJS.WritableStream & { writableLength?: number; destroyed?: boolean }): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  // Writes complete in order, so the callback of an empty write runs after every earlier chunk is out.
  return new Promise((resolve) => stream.write('', () => resolve()));
}

async function runCommand(argv: string[]): Promise<number> {
  const program = new Command('lockstep')
    .description('Lockstep: offline chat with your documents')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('--data-dir <dir>', 'data folder (default: LOCKSTEP_DATA_DIR or the app data folder)')
    .showHelpAfterError()
    .exitOverride();
  const cli = createCliContext(program);
  for (const register of commandModules) register(program, cli);

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const json = program.opts().json === true;
    if (error instanceof AppError) {
      const message = forCli(error.message);
      if (json) process.stdout.write(JSON.stringify({ error: { code: error.code, message } }) + '\n');
      else process.stderr.write(`lockstep: ${message}\n`);
      return 1;
    }
    process.stderr.write(`lockstep: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 70;
  } finally {
    await cli.closeServices();
  }
}
