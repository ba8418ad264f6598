import { create } from 'zustand';
import type { FileFilter } from '../../../shared/contract/files';
import { client } from '../../ipc/client';

// Choosing files on this computer: the desktop app asks main for its own open dialog; browser mode shows the picker
// modal, which lists folders served by main, and grants what the user picks to this connection before it is added.

export interface PickerRequest {
  select: 'files' | 'folder';
  filter: FileFilter;
  /** Offered beside Cancel: send files from the browser as bytes instead (uploads), for files outside the roots. */
  upload?: () => void;
  /** Settles with the picked paths, or an empty list when the user cancelled. */
  resolve(paths: string[]): void;
}

export const usePickerStore = create<{ request: PickerRequest | null }>()(() => ({ request: null }));

/** Asks the user for files or a folder; resolves to real paths this window or connection may now add (empty: cancelled). */
export async function choosePaths(select: 'files' | 'folder', filter: FileFilter, upload?: () => void): Promise<string[]> {
  if (window.lockstepFiles) return (await client.files.choose({ select, filter })).paths;
  const picked = await new Promise<string[]>((resolve) => {
    usePickerStore.getState().request?.resolve([]);
    usePickerStore.setState({ request: { select, filter, upload, resolve } });
  });
  return picked.length ? (await client.files.grant({ paths: picked })).paths : [];
}

/** Ends the open picker with the user's choice (or [] for Cancel). */
export function settlePicker(paths: string[]): void {
  const request = usePickerStore.getState().request;
  usePickerStore.setState({ request: null });
  request?.resolve(paths);
}
