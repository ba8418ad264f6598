import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { VectorArena, type ArenaLayout } from './vector-arena';

// A hot set's arena saved beside the database, so the next start reads it back instead of rebuilding it from
// sqlite-vec (k-means on a sample, then every row read and quantised again: ~45 s at 1M rows). The file names the set,
// its creation time and the vector_version it holds: any other version makes it stale, and the rebuilt arena is saved
// over it. It is written under a temporary name and renamed, in slices between event-loop turns, and abandoned if the
// arena changed meanwhile, so a reader never sees a torn or mixed file.
//
// Layout: MAGIC · u32 header length · header JSON · block ids (f64, block by block) · centroids and blocks (bytes).

const MAGIC = Buffer.from('LOCKSTEP-ARENA-1');
/** Bytes copied and written (or read) per step, then the event loop turns. */
const SLICE_BYTES = 2 * 2 ** 20;

/** Which contents a file holds: an arena is only read back for the same set at the same vector_version. */
export interface ArenaKey {
  setId: number;
  createdAt: number;
  version: number;
}

interface Header {
  key: ArenaKey;
  layout: ArenaLayout;
  idBytes: number;
  storedBytes: number;
}

/** Where the arena of a set of this database is saved. */
export const arenaFilePath = (databaseFile: string, setId: number) => `${databaseFile}.arena-${setId}`;

const sameKey = (a: ArenaKey, b: ArenaKey) => a.setId === b.setId && a.createdAt === b.createdAt && a.version === b.version;

/** Saves the arena; false (and no file) when it changed while being written or `stop()` said to give up. */
export async function saveArena(file: string, key: ArenaKey, arena: VectorArena, stop: () => boolean): Promise<boolean> {
  const revision = arena.revision;
  const ids = arena.blockIds();
  const storedBytes = arena.storedBytes().length;
  const header = Buffer.from(JSON.stringify({ key, layout: arena.layout(), idBytes: ids.byteLength, storedBytes } satisfies Header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  let complete = false;
  try {
    await handle.write(Buffer.concat([MAGIC, length, header]));
    await handle.write(Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
    for (let at = 0; at < storedBytes; at += SLICE_BYTES) {
      if (stop() || arena.revision !== revision) return false;
      // A copy (one memcpy): the memory is shared and may grow, replacing its buffer, between slices.
      const slice = arena.storedBytes(at, Math.min(SLICE_BYTES, storedBytes - at));
      const copy = Buffer.allocUnsafe(slice.length);
      copy.set(slice);
      await handle.write(copy);
    }
    complete = arena.revision === revision && !stop();
    return complete;
  } finally {
    await handle.close();
    if (complete) await rename(temporary, file);
    else await rm(temporary, { force: true });
  }
}

async function readExactly(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new Error('The saved vector arena is shorter than its header says.');
  return buffer;
}

/** The saved arena when the file holds this key's contents, else undefined (no file, another version, an older format). */
export async function readArena(file: string, key: ArenaKey, stop: () => boolean): Promise<VectorArena | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const prefix = await readExactly(handle, MAGIC.length + 4, 0);
    if (!prefix.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const headerLength = prefix.readUInt32LE(MAGIC.length);
    const header = JSON.parse((await readExactly(handle, headerLength, prefix.length)).toString('utf8')) as Header;
    if (!sameKey(header.key, key)) return undefined;
    const arena = VectorArena.withLayout(header.layout);
    if (!arena || arena.storedBytes().length !== header.storedBytes) return undefined;
    let position = prefix.length + headerLength;
    const idBuffer = await readExactly(handle, header.idBytes, position);
    const ids = new Float64Array(idBuffer.buffer.slice(idBuffer.byteOffset, idBuffer.byteOffset + idBuffer.byteLength));
    position += header.idBytes;
    for (let at = 0; at < header.storedBytes; at += SLICE_BYTES) {
      if (stop()) return undefined;
      const slice = await readExactly(handle, Math.min(SLICE_BYTES, header.storedBytes - at), position + at);
      arena.storedBytes(at, slice.length).set(slice);
    }
    arena.adoptIds(ids);
    return arena;
  } finally {
    await handle.close();
  }
}
