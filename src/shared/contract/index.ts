import type { ContractClient, ContractHandlers } from './define';
import { app } from './app';
import { settings } from './settings';
import { workspaces } from './workspaces';

/** The whole IPC contract: one entry per domain, each declared in its own file. */
export const contract = {
  app,
  settings,
  workspaces,
};

export type Contract = typeof contract;
export type LockstepClient = ContractClient<Contract>;
export type LockstepHandlers = ContractHandlers<Contract>;
