import type { CommandModule } from '../context';
import { infoCommand } from './info';
import { serveCommand } from './serve';
import { modelsCommand } from './models';

/** Every command group of the lockstep CLI; each area appends its own module. */
export const commandModules: CommandModule[] = [infoCommand, serveCommand, modelsCommand];
