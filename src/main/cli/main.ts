import { Command, CommanderError } from 'commander';
import { AppError } from '../../shared/errors';
import { createCliContext } from './context';
import { commandModules } from './commands/index';

// Exit codes: 0 success, 1 a user-facing failure (AppError), 2 usage error, 70 an internal failure.
export async function runCli(argv: string[]): Promise<number> {
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
      if (json) process.stdout.write(JSON.stringify({ error: { code: error.code, message: error.message } }) + '\n');
      else process.stderr.write(`lockstep: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`lockstep: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 70;
  } finally {
    await cli.closeServices();
  }
}
