import { beforeEach, describe, expect, it, vi } from 'vitest';

// "Add files" and drops in the library store: in the desktop app the preload grants the files and the store adds the
// granted real paths; anything without a path (or browser mode) goes up as bytes with its declared size.

const base64 = (text: string) => btoa(text);

const calls: { method: string; request: unknown }[] = [];
const grant = vi.fn<(files: File[]) => Promise<(string | null)[]>>();
const fakeClient = {
  library: {
    addPaths: async (request: unknown) => (calls.push({ method: 'addPaths', request }), { added: [], missing: [] }),
    addUploads: async (request: unknown) => (calls.push({ method: 'addUploads', request }), { added: [] }),
    list: async () => ({ documents: [], queue: { paused: false, queued: 0, running: 0, etaMs: null } }),
  },
};

/** FileReader is a DOM API; this one reads a Blob as a data: URL the way the browser does. */
class DataUrlReader {
  result: string | null = null;
  error: Error | null = null;
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  readAsDataURL(blob: Blob) {
    void blob.arrayBuffer().then((bytes) => {
      this.result = `data:${blob.type || 'application/octet-stream'};base64,${btoa(String.fromCharCode(...new Uint8Array(bytes)))}`;
      this.onload?.();
    });
  }
}

const globals = globalThis as unknown as { window: object; FileReader: unknown };
globals.window = { lockstep: fakeClient, lockstepFiles: { grant }, location: { search: '', host: 'localhost' } };
globals.FileReader = DataUrlReader;
const { addFiles } = await import('../../../src/renderer/stores/library/store');

beforeEach(() => {
  calls.length = 0;
  grant.mockReset();
});

describe('adding files from the renderer', () => {
  it('adds the paths main granted for the dropped files, never paths the page computed itself', async () => {
    const files = [new File(['a'], 'a.txt'), new File(['bb'], 'b.pdf')];
    grant.mockResolvedValue(['/home/me/real/a.txt', '/home/me/real/b.pdf']);
    await addFiles(files);
    expect(grant).toHaveBeenCalledWith(files);
    expect(calls).toEqual([{ method: 'addPaths', request: { paths: ['/home/me/real/a.txt', '/home/me/real/b.pdf'], workspaceId: undefined } }]);
  });

  it('uploads the bytes with their size when a file has no path on disk', async () => {
    grant.mockResolvedValue(['/home/me/real/a.txt', null]);
    await addFiles([new File(['hello'], 'a.txt'), new File(['from a web page'], 'clip.txt')]);
    expect(calls).toEqual([
      {
        method: 'addUploads',
        request: {
          files: [
            { name: 'a.txt', bytesBase64: base64('hello'), sizeBytes: 5 },
            { name: 'clip.txt', bytesBase64: base64('from a web page'), sizeBytes: 15 },
          ],
          workspaceId: undefined,
        },
      },
    ]);
  });
});
