import { z } from 'zod';
import { call } from './define';

// Picking files on this computer: the desktop app's own open dialog, or in browser mode a folder listing served by
// main under the picker's roots. Either way the picked paths are granted to the caller, which then adds or imports them
// with library.addPaths / library.addFolder / models.import like a drop.

/** Which files a picker offers; detection is by content later, so this only narrows what the user is shown. */
export const fileFilter = z.enum(['documents', 'models', 'all']);
export type FileFilter = z.infer<typeof fileFilter>;

/** Extensions (lower case, no dot) behind each filter; 'all' shows every file. */
export const FILTER_EXTENSIONS: Record<Exclude<FileFilter, 'all'>, readonly string[]> = {
  documents: ['pdf', 'docx', 'docm', 'pptx', 'pptm', 'xlsx', 'xlsm', 'epub', 'html', 'htm', 'xhtml', 'md', 'markdown', 'mdx', 'txt', 'text', 'csv', 'tsv', 'png', 'jpg', 'jpeg', 'tif', 'tiff'],
  models: ['gguf'],
};

export const matchesFilter = (name: string, filter: FileFilter): boolean => {
  if (filter === 'all') return true;
  const dot = name.lastIndexOf('.');
  return dot > 0 && FILTER_EXTENSIONS[filter].includes(name.slice(dot + 1).toLowerCase());
};

const absolutePath = z.string().min(1).max(4096);

export const folderEntry = z.object({
  name: z.string(),
  /** Real path (symlinks resolved): what files.grant and the add methods take. */
  path: z.string(),
  kind: z.enum(['folder', 'file']),
  sizeBytes: z.number().nullable(),
  modifiedAt: z.number().nullable(),
});
export type FolderEntry = z.infer<typeof folderEntry>;

export const folderListing = z.object({
  /** Where browsing may start: the user's home unless `lockstep serve --picker-root` named others. */
  roots: z.array(z.object({ name: z.string(), path: z.string() })),
  /** The folder listed (real path), and the way to it from its root, root first. */
  path: z.string(),
  crumbs: z.array(z.object({ name: z.string(), path: z.string() })),
  /** Folders first, then the files the filter lets through; hidden entries and links leading out of the roots are left out. */
  entries: z.array(folderEntry),
  /** True when the folder held more entries than one listing shows. */
  truncated: z.boolean(),
});
export type FolderListing = z.infer<typeof folderListing>;

export const files = {
  /**
   * Desktop app only: main's own open dialog (files, several at once, or one folder); what the user picks is granted to
   * this window. paths is empty when the dialog was cancelled; elsewhere not_supported (browser mode uses browse).
   */
  choose: call(z.object({ select: z.enum(['files', 'folder']), filter: fileFilter.default('documents') }), z.object({ paths: z.array(z.string()) })),
  /** Browser mode only: one folder under the picker's roots (the first root when path is omitted). */
  browse: call(z.object({ path: absolutePath.optional(), filter: fileFilter.default('documents') }), folderListing),
  /** Browser mode only: grants files or folders the user picked in a listing to this connection; all or none. */
  grant: call(z.object({ paths: z.array(absolutePath).min(1).max(1000) }), z.object({ paths: z.array(z.string()) })),
};
