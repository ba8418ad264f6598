import { create } from 'zustand';
import type { AppInfo } from '../../../shared/contract/app';
import type { Workspace } from '../../../shared/contract/workspaces';
import { client } from '../../ipc/client';

interface AppState {
  info: AppInfo | null;
  workspaces: Workspace[];
  error: string | null;
  load(): Promise<void>;
  createWorkspace(name: string): Promise<void>;
}

export const useAppStore = create<AppState>()((set) => ({
  info: null,
  workspaces: [],
  error: null,
  async load() {
    try {
      const [info, workspaces] = await Promise.all([client.app.info({}), client.workspaces.list({})]);
      set({ info, workspaces, error: null });
    } catch (error) {
      set({ error: (error as Error).message });
    }
  },
  async createWorkspace(name) {
    try {
      await client.workspaces.create({ name });
      set({ workspaces: await client.workspaces.list({}), error: null });
    } catch (error) {
      set({ error: (error as Error).message });
    }
  },
}));
