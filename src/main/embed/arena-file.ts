import { readdirSync, rmSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { VectorArena, type ArenaLayout } from './vector-arena';

// A hot set's arena saved beside the database, so the next start reads it back instead of rebuilding it from
// sqlite-vec (k-means on a sample, then every row read and quantised again: ~45 s at 1M rows). The file names the set,
// its creation time and the vector_version it holds: any other version makes it stale, and the rebuilt arena is saved
// over it. It is written under a temporary name and renamed, in slices between event-loop turns, and abandoned if the
// arena changed meanwhile, so a reader never sees a torn or mixed file.
//
// The file ends with a CRC-32 of everything before it, checked on every read: a torn or flipped byte (a disk error, a
// copy cut short) makes the file refused with a reason, and the arena is rebuilt from the tables, never read from it.
//
// Layout: MAGIC · u32 header length · header JSON · block ids (f64, block by block) · centroids and blocks (bytes) · u32 CRC-32.

const MAGIC = Buffer.from('LOCKSTEP-ARENA-2');
const CHECKSUM_BYTES = 4;
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
  let checksum = 0;
  const write = async (bytes: Uint8Array) => {
    checksum = crc32(bytes, checksum);
    await handle.write(bytes);
  };
  try {
    await write(Buffer.concat([MAGIC, length, header]));
    await write(Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
    for (let at = 0; at < storedBytes; at += SLICE_BYTES) {
      if (stop() || arena.revision !== revision) return false;
      // A copy (one memcpy): the memory is shared and may grow, replacing its buffer, between slices.
      const slice = arena.storedBytes(at, Math.min(SLICE_BYTES, storedBytes - at));
      const copy = Buffer.allocUnsafe(slice.length);
      copy.set(slice);
      await write(copy);
    }
    const trailer = Buffer.alloc(CHECKSUM_BYTES);
    trailer.writeUInt32LE(checksum);
    await handle.write(trailer);
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

/**
 * The saved arena when the file holds this key's contents, else undefined (no file, another version, an older format).
 * Throws, with the reason, when the file is damaged (checksum, length or header): the caller logs it and rebuilds.
 */
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
    const headerBytes = await readExactly(handle, headerLength, prefix.length);
    let checksum = crc32(headerBytes, crc32(prefix));
    let header: Header;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as Header;
    } catch (cause) {
      throw new Error('The saved vector arena has a damaged header.', { cause });
    }
    if (!sameKey(header.key, key)) return undefined;
    let position = prefix.length + headerLength;
    const expectedSize = position + header.idBytes + header.storedBytes + CHECKSUM_BYTES;
    const { size } = await handle.stat();
    if (size !== expectedSize) throw new Error(`The saved vector arena is ${size} bytes, not the ${expectedSize} its header says.`);
    const arena = VectorArena.withLayout(header.layout);
    if (!arena || arena.storedBytes().length !== header.storedBytes) return undefined;
    const idBuffer = await readExactly(handle, header.idBytes, position);
    checksum = crc32(idBuffer, checksum);
    const ids = new Float64Array(idBuffer.buffer.slice(idBuffer.byteOffset, idBuffer.byteOffset + idBuffer.byteLength));
    position += header.idBytes;
    for (let at = 0; at < header.storedBytes; at += SLICE_BYTES) {
      if (stop()) return undefined;
      const slice = await readExactly(handle, Math.min(SLICE_BYTES, header.storedBytes - at), position + at);
      checksum = crc32(slice, checksum);
      arena.storedBytes(at, slice.length).set(slice);
    }
    const saved = (await readExactly(handle, CHECKSUM_BYTES, position + header.storedBytes)).readUInt32LE(0);
    if (saved !== checksum) throw new Error(`The saved vector arena fails its checksum (CRC-32 ${hex(checksum)}, saved ${hex(saved)}).`);
    arena.adoptIds(ids);
    return arena;
  } finally {
    await handle.close();
  }
}

const hex = (value: number) => value.toString(16).padStart(8, '0');

/**
 * Deletes temporary files that saves of this database's arenas left behind when their process was killed mid-save
 * (`<file>.<pid>.tmp` whose process is gone); a save running in another process keeps its own.
 */
export function removeAbandonedSaves(databaseFile: string): string[] {
  const folder = path.dirname(databaseFile);
  const pattern = new RegExp(`^${escapeRegExp(path.basename(databaseFile))}\\.arena-\\d+\\.(\\d+)\\.tmp$`);
  const removed: string[] = [];
  for (const name of readdirSync(folder)) {
    const pid = pattern.exec(name)?.[1];
    if (pid === undefined || processRunning(Number(pid))) continue;
    rmSync(path.join(folder, name), { force: true });
    removed.push(name);
  }
  return removed;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function processRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it exists, owned by someone else
  }
}
