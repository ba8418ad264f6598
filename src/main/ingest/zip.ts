import { crc32, inflateRawSync } from 'node:zlib';
import type { IngestLimits } from './document';
import { partName, problems } from './outcome';

// Zip containers (OOXML, EPUB), read from their central directory by hand so that damage and limits are told apart:
// sizes the directory declares are checked for plausibility first (a lie is damage), real limits are refused with
// their sizes before anything is inflated, and every part is inflated with a hard output bound and its CRC checked.

/** Deflate cannot compress better than 1032:1, so a larger declared ratio is a damaged directory, not a bomb. */
const MAX_DEFLATE_RATIO = 1032;
const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export function isUnsafeEntryPath(name: string): boolean {
  return name.startsWith('/') || name.startsWith('\\') || /^[a-z]:/i.test(name) || name.split(/[\\/]/).includes('..');
}

/** Parts that parsers load whole (XML, HTML): these are capped one by one. */
export const isMarkupPart = (name: string) => /\.(xml|rels|opf|ncx|x?html?|svg)$/i.test(name);

const megabytes = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  fits = (offset: number, length: number) => offset >= 0 && offset + length <= this.bytes.length;
  u16 = (offset: number) => this.view.getUint16(offset, true);
  u32 = (offset: number) => this.view.getUint32(offset, true);
  u64 = (offset: number) => Number(this.view.getBigUint64(offset, true));
}

function findEndOfDirectory(r: Reader): number {
  const last = r.bytes.length - 22;
  for (let offset = last; offset >= 0 && offset >= last - 65_535; offset--) if (r.u32(offset) === EOCD) return offset;
  return -1;
}

/** Reads the central directory; null when the bytes are not a readable zip (the caller says why). */
function readDirectory(r: Reader): { entries: ZipEntry[]; declaredCount: number; damage: string | null } | null {
  const eocd = findEndOfDirectory(r);
  if (eocd < 0) return null;
  let count = r.u16(eocd + 10);
  let size = r.u32(eocd + 12);
  let offset = r.u32(eocd + 16);
  if ((count === 0xffff || size === 0xffffffff || offset === 0xffffffff) && r.fits(eocd - 20, 20) && r.u32(eocd - 20) === ZIP64_LOCATOR) {
    const record = r.u64(eocd - 12);
    if (!r.fits(record, 56) || r.u32(record) !== ZIP64_EOCD) return { entries: [], declaredCount: 0, damage: 'its zip directory is damaged' };
    count = r.u64(record + 32);
    size = r.u64(record + 40);
    offset = r.u64(record + 48);
  }
  if (!r.fits(offset, size) || count * 46 > size) return { entries: [], declaredCount: count, damage: 'its zip directory is truncated or damaged' };
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (!r.fits(at, 46) || r.u32(at) !== CENTRAL) return { entries, declaredCount: count, damage: 'its zip directory is damaged' };
    const nameLength = r.u16(at + 28);
    const extraLength = r.u16(at + 30);
    const commentLength = r.u16(at + 32);
    if (!r.fits(at + 46, nameLength + extraLength)) return { entries, declaredCount: count, damage: 'its zip directory is truncated' };
    const entry: ZipEntry = {
      name: new TextDecoder().decode(r.bytes.subarray(at + 46, at + 46 + nameLength)),
      method: r.u16(at + 10),
      crc: r.u32(at + 16),
      compressedSize: r.u32(at + 20),
      size: r.u32(at + 24),
      localOffset: r.u32(at + 42),
    };
    // Zip64 extra field: the 64-bit values appear in this order, only for fields whose 32-bit value is saturated.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; x += 4 + r.u16(x + 2)) {
      if (r.u16(x) !== 0x0001) continue;
      let field = x + 4;
      for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
        if (entry[key] !== 0xffffffff || !r.fits(field, 8)) continue;
        entry[key] = r.u64(field);
        field += 8;
      }
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { entries, declaredCount: count, damage: null };
}

/** Entry names of a zip, for format detection; null when the bytes are no readable zip. */
export function zipEntryNames(bytes: Uint8Array): string[] | null {
  if (bytes.length < 22) return null;
  const directory = readDirectory(new Reader(bytes));
  return directory && !directory.damage ? directory.entries.map((e) => e.name) : null;
}

/** An opened, size-checked zip package; parts are inflated one at a time on demand. */
export class ZipPackage {
  private readonly byName = new Map<string, ZipEntry>();

  private constructor(
    private readonly r: Reader,
    private readonly what: string,
  ) {}

  /** Opens a package after checking its directory and every limit; nothing is inflated yet. */
  static open(bytes: Uint8Array, limits: IngestLimits, what: string): ZipPackage {
    const r = new Reader(bytes);
    const directory = bytes.length >= 22 ? readDirectory(r) : null;
    if (!directory) throw problems.corruptArchive(what, 'its zip container is truncated (the end of the file is missing)');
    if (directory.declaredCount > limits.maxZipEntries && !directory.damage) {
      throw problems.zipLimits(what, `holds ${directory.declaredCount} parts, more than the ${limits.maxZipEntries} allowed`);
    }
    if (directory.damage) throw problems.corruptArchive(what, directory.damage);
    const zip = new ZipPackage(r, what);
    let total = 0;
    for (const entry of directory.entries) {
      const plausible = entry.method === 0 ? entry.size === entry.compressedSize : entry.size <= entry.compressedSize * MAX_DEFLATE_RATIO + 1024;
      if (!plausible || !r.fits(entry.localOffset, 30 + entry.compressedSize)) {
        throw problems.corruptArchive(what, `the zip directory entry for ${partName(entry.name)} is inconsistent`);
      }
      if (isUnsafeEntryPath(entry.name) || zip.byName.has(entry.name)) continue;
      zip.byName.set(entry.name, entry);
      total += entry.size;
    }
    // Real limits, refused with their sizes before inflating a byte: the declared sizes passed the plausibility check.
    for (const entry of zip.byName.values()) {
      if (isMarkupPart(entry.name) && entry.size > limits.maxPartBytes) {
        throw problems.partTooLarge(what, partName(entry.name), entry.size, bytes.length, limits.maxPartBytes);
      }
    }
    if (total > limits.maxUnzippedBytes) throw problems.zipLimits(what, `expands to ${megabytes(total)} (the file is ${megabytes(bytes.length)}), more than ${megabytes(limits.maxUnzippedBytes)}`);
    return zip;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Inflates one part, bounded by its declared size, and checks its length and CRC. */
  read(name: string): Uint8Array | undefined {
    const entry = this.byName.get(name);
    if (!entry) return undefined;
    const { r } = this;
    const part = partName(name);
    const damaged = (detail: string, cause?: unknown) => problems.corruptArchive(this.what, detail, cause);
    if (!r.fits(entry.localOffset, 30) || r.u32(entry.localOffset) !== LOCAL) throw damaged(`the header of ${part} is damaged`);
    const start = entry.localOffset + 30 + r.u16(entry.localOffset + 26) + r.u16(entry.localOffset + 28);
    if (!r.fits(start, entry.compressedSize)) throw damaged(`${part} is truncated`);
    const compressed = r.bytes.subarray(start, start + entry.compressedSize);
    let data: Uint8Array;
    if (entry.method === 0) data = compressed;
    else if (entry.method === 8) {
      try {
        data = entry.size === 0 && entry.compressedSize <= 2 ? new Uint8Array(0) : inflateRawSync(compressed, { maxOutputLength: Math.max(1, entry.size) });
      } catch (cause) {
        throw damaged(`the compressed data of ${part} is damaged`, cause);
      }
    } else throw damaged(`${part} uses a compression method Lockstep does not know`);
    if (data.length !== entry.size || crc32(data) !== entry.crc) throw damaged(`the checksum of ${part} does not match its content`);
    return data;
  }

  text(name: string): string {
    return utf8Text(this.read(name));
  }

  /** Inflates (and discards) every part `which` selects, so damage is found before a library trips over it. */
  verify(which: (name: string) => boolean): void {
    for (const name of this.byName.keys()) if (which(name)) this.read(name);
  }
}

/** Extracts the entries `wanted` accepts, after checking the whole archive against the limits. */
export function unzipGuarded(bytes: Uint8Array, limits: IngestLimits, what: string, wanted: (name: string) => boolean = () => true): Map<string, Uint8Array> {
  const zip = ZipPackage.open(bytes, limits, what);
  return new Map(zip.names().filter(wanted).map((name) => [name, zip.read(name)!]));
}

export const utf8Text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : '');
