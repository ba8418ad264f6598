import type { AppInfo } from '../../shared/contract/app';
import type { LockstepHandlers } from '../../shared/contract/index';
import type { Services } from '../services';
import { appHandlers } from './app';
import { settingsHandlers } from './settings';
import { workspaceHandlers } from './workspaces';
import { chatHandlers, providerHandlers, threadHandlers } from './chat';
import { searchHandlers } from './search';
import { modelHandlers } from './models';
import { libraryHandlers } from './library';
import { fileHandlers } from './files';
import { healthHandlers } from './health';
import { lpuHandlers } from './lpu';
import { degradationHandlers } from './degradation';
import { mcpHandlers } from './mcp';

/** Binds every contract domain to the services; the type makes a missing handler a compile error. */
export function createHandlers(services: Services, runtime: AppInfo['runtime']): LockstepHandlers {
  return {
    app: appHandlers(services, runtime),
    settings: settingsHandlers(services),
    workspaces: workspaceHandlers(services),
    chat: chatHandlers(services),
    threads: threadHandlers(services),
    providers: providerHandlers(services),
    search: searchHandlers(services),
    models: modelHandlers(services),
    library: libraryHandlers(services),
    files: fileHandlers(services),
    health: healthHandlers(services),
    lpu: lpuHandlers(services),
    degradation: degradationHandlers(services),
    mcp: mcpHandlers(services),
  };
}
