import type { ContractClient, ContractHandlers } from './define';
import { app } from './app';
import { settings } from './settings';
import { workspaces } from './workspaces';
import { chat, providers, threads } from './chat';
import { search } from './search';
import { models } from './models';
import { library } from './library';
import { files } from './files';
import { health } from './health';
import { lpu } from './lpu';
import { degradation } from './degradation';
import { mcp } from './mcp';

/** The whole IPC contract: one entry per domain, each declared in its own file. */
export const contract = {
  app,
  settings,
  workspaces,
  chat,
  threads,
  providers,
  search,
  models,
  library,
  files,
  health,
  lpu,
  degradation,
  mcp,
};

export type Contract = typeof contract;
export type LockstepClient = ContractClient<Contract>;
export type LockstepHandlers = ContractHandlers<Contract>;
