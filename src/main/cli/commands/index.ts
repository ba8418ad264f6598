import type { CommandModule } from '../context';
import { infoCommand } from './info';
import { askCommand } from './ask';
import { serveCommand } from './serve';
import { modelsCommand } from './models';
import { lpuCommand } from './lpu';
import { searchCommand } from './search';
import { ingestCommand } from './ingest';
import { foldersCommand } from './folders';
import { mcpCommand } from './mcp';
import { serversCommand } from './servers';

/** Every command group of the lockstep CLI; each area appends its own module. */
export const commandModules: CommandModule[] = [infoCommand, serveCommand, modelsCommand, lpuCommand, searchCommand, ingestCommand, foldersCommand, askCommand, mcpCommand, serversCommand];
