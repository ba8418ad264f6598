import { z } from 'zod';
import { call, stream } from './define';

// The document library: adding files (paths or uploaded bytes), their status and live ingestion progress,
// passwords, re-indexing, removal, and the page texts / original bytes the viewer shows.

const id = z.number().int().positive();
const workspaceId = id.optional().describe('defaults to the Default workspace (1)');

export const documentStatus = z.enum(['queued', 'processing', 'indexed', 'needs_password', 'needs_ocr', 'failed', 'cancelled']);
export type DocumentStatus = z.infer<typeof documentStatus>;

/** Where a file is in the pipeline: reading → parsing (pages) → ocr (scanned pages, when there are any) → chunking → embedding → writing. */
export const ingestStage = z.enum(['queued', 'reading', 'parsing', 'ocr', 'chunking', 'embedding', 'writing']);

export const jobProgress = z.object({
  jobId: z.number().int(),
  documentId: z.number().int(),
  stage: ingestStage,
  /** Pages (slides, sheets, chapters) parsed so far and in total; total is 0 until the file has been opened. */
  pagesDone: z.number().int(),
  pagesTotal: z.number().int(),
  /** Chunks produced (known from the chunking stage on). */
  chunks: z.number().int(),
  /** How much of the current stage is done, 0–1; it only grows within a stage, and stages only move forward. */
  fraction: z.number().min(0).max(1),
  startedAt: z.number().nullable(),
  /** Estimated milliseconds until this file is done; null while unknown. */
  etaMs: z.number().nullable(),
  /** Whether this file's chunks will be embedded (false: no embedder is installed, keyword search only); absent while queued. */
  willEmbed: z.boolean().optional(),
});
export type JobProgress = z.infer<typeof jobProgress>;

/** A page read by OCR: its confidence (0–100) and each word's box as fractions of the page, from the top-left corner. */
export const pageOcr = z.object({
  confidence: z.number(),
  words: z.array(z.object({ text: z.string(), box: z.tuple([z.number(), z.number(), z.number(), z.number()]) })),
});
export type PageOcr = z.infer<typeof pageOcr>;

export const libraryDocument = z.object({
  id: z.number().int(),
  workspaceId: z.number().int(),
  path: z.string(),
  title: z.string(),
  /** Detected format: pdf, docx, pptx, xlsx, csv, epub, html, markdown, text (or the extension until detected). */
  type: z.string(),
  status: documentStatus,
  /** Why it is not indexed (or, when indexed, a caveat such as pages_without_text), and a sentence for the user. */
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  pageCount: z.number().int().nullable(),
  chunkCount: z.number().int(),
  sizeBytes: z.number().int(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Some of its pages were read by OCR (scans and images): their text may hold recognition errors. */
  ocr: z.boolean(),
  /** Live progress while a job for this document is queued or running (also during a re-index of an indexed document). */
  progress: jobProgress.nullable(),
});
export type LibraryDocument = z.infer<typeof libraryDocument>;

export const queueState = z.object({
  paused: z.boolean(),
  /** Jobs waiting, and the one running (0 or 1). */
  queued: z.number().int(),
  running: z.number().int(),
  /** Estimated milliseconds until the whole queue is done; null while unknown. */
  etaMs: z.number().nullable(),
});
export type QueueState = z.infer<typeof queueState>;

export const libraryEvent = z.discriminatedUnion('type', [
  /** Progress of the file being processed (or a queued one). */
  z.object({ type: z.literal('progress'), progress: jobProgress }),
  /** A document was added or changed status (queued, indexed, failed …): replace the row. */
  z.object({ type: z.literal('document'), document: libraryDocument }),
  z.object({ type: z.literal('removed'), documentIds: z.array(z.number().int()) }),
  /** Overall queue state; sent first on watch and whenever it changes. */
  z.object({ type: z.literal('queue'), queue: queueState }),
]);
export type LibraryEvent = z.infer<typeof libraryEvent>;

export const addedFile = z.object({
  path: z.string(),
  documentId: z.number().int(),
  /** False when the same content was already in the library (one document per content). */
  queued: z.boolean(),
});

/** Uploaded files (browser-mode drops) travel as base64; larger files must be added by path. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** A folder the user registered: any caller may add the files under it (hidden entries excepted). */
export const libraryFolder = z.object({ id: z.number().int(), path: z.string(), addedAt: z.number() });
export type LibraryFolder = z.infer<typeof libraryFolder>;

export const library = {
  list: call(z.object({ workspaceId }), z.object({ documents: z.array(libraryDocument), queue: queueState })),
  /**
   * Files and folders by absolute path, folders walked recursively. Only paths this window was granted (Electron drops
   * and pickers, see the preload) or under a library folder are accepted; anything else gets path_not_allowed.
   */
  addPaths: call(
    z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(10_000), workspaceId, password: z.string().max(1024).optional() }),
    z.object({ added: z.array(addedFile), missing: z.array(z.string()) }),
  ),
  /** Files dropped in browser mode: saved under the data folder's uploads/, then ingested. */
  addUploads: call(
    z.object({
      files: z
        .array(
          z.object({
            name: z.string().min(1).max(255),
            /** Standard base64 (RFC 4648 §4, padded); anything else is refused with invalid_upload and nothing is stored. */
            bytesBase64: z.string().max(Math.ceil(MAX_UPLOAD_BYTES / 3) * 4 + 4),
            /** The file's size as the sender saw it; when given, the decoded bytes must match it exactly. */
            sizeBytes: z.number().int().nonnegative().max(MAX_UPLOAD_BYTES).optional(),
          }),
        )
        .min(1)
        .max(100),
      workspaceId,
    }),
    z.object({ added: z.array(addedFile) }),
  ),
  /** The registered library folders. */
  folders: call(z.object({}), z.object({ folders: z.array(libraryFolder) })),
  /**
   * Registers a folder as a library folder and adds its files: the one named by path, which this caller must have been
   * granted (browser mode's picker), or else the one chosen in the desktop app's own folder dialog (folder is null when
   * it was cancelled; without path or dialog, not_supported).
   */
  addFolder: call(z.object({ workspaceId, path: z.string().min(1).max(4096).optional() }), z.object({ folder: libraryFolder.nullable(), added: z.array(addedFile), missing: z.array(z.string()) })),
  /** Unregisters a library folder: its documents stay, but its other files can no longer be added. */
  removeFolder: call(z.object({ id }), z.object({ removed: z.boolean() })),
  /** Retry a needs_password document with a password (kept in memory only). */
  providePassword: call(z.object({ documentId: id, password: z.string().min(1).max(1024) }), z.object({ queued: z.boolean() })),
  reindex: call(z.object({ documentIds: z.array(id).min(1).max(100_000) }), z.object({ queued: z.number().int() })),
  remove: call(z.object({ documentIds: z.array(id).min(1).max(100_000) }), z.object({ removed: z.number().int() })),
  /** Cancels the given documents' jobs, or every job when documentIds is omitted. */
  cancel: call(z.object({ documentIds: z.array(id).max(100_000).optional() }), z.object({ cancelled: z.number().int() })),
  pause: call(z.object({}), queueState),
  resume: call(z.object({}), queueState),
  /** Live events until cancelled: first a queue event, then progress, document changes and removals. */
  watch: stream(z.object({}), libraryEvent),
  /** Page texts for the viewer, at most 50 pages per call (from/to are 1-based and inclusive). */
  pages: call(
    z.object({ documentId: id, from: z.number().int().positive().default(1), to: z.number().int().positive().optional() }),
    z.object({ documentId: z.number().int(), pageCount: z.number().int().nullable(), pages: z.array(z.object({ number: z.number().int(), label: z.string().nullable(), text: z.string(), ocr: pageOcr.optional() })) }),
  ),
  /** The original file (PDF viewer); refused for files larger than MAX_UPLOAD_BYTES or gone from disk. */
  original: call(z.object({ documentId: id }), z.object({ name: z.string(), mimeType: z.string(), bytesBase64: z.string() })),
};
