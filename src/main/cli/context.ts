import type { Command } from 'commander';
import { createServices, type Services } from '../services';
import { resolveDataDir } from '../platform/paths';

/** What every command gets: the global options and lazily opened services, closed when the command ends. */
export interface CliContext {
  /** True when --json was given: print exactly one JSON document on stdout. */
  json(): boolean;
  dataDir(): string;
  /** Opens the database and services on first use. */
  services(): Services;
  /** Prints the command's result: JSON with --json, else the human text. */
  print(value: unknown, human: () => string): void;
  /** Progress for humans on stderr (silent with --json unless stderr is a TTY). */
  progress(line: string): void;
}

/** A command group registers its subcommands on the program. */
export type CommandModule = (program: Command, cli: CliContext) => void;

export function createCliContext(program: Command): CliContext & { closeServices(): Promise<void> } {
  let services: Services | undefined;
  const options = () => program.opts<{ json?: boolean; dataDir?: string }>();
  return {
    json: () => options().json === true,
    dataDir: () => resolveDataDir(options().dataDir),
    services() {
      services ??= createServices({ dataDir: resolveDataDir(options().dataDir), mode: 'cli' });
      return services;
    },
    print(value, human) {
      process.stdout.write(options().json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
    },
    progress(line) {
      if (!options().json || process.stderr.isTTY) process.stderr.write(line + '\n');
    },
    async closeServices() {
      await services?.close();
      services = undefined;
    },
  };
}
