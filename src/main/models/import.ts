import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../shared/errors';
import { modelsDir } from '../platform/paths';
import { findCatalogEntry } from './catalog';
import { ensureFreeSpace } from './disk';
import { inspectForImport, type ImportInspection } from './inspect';
import { writeManifest, type ModelManifest } from './manifest';
import { discoverInstalled, type Env, type InstalledModel } from './registry';

// Importing a model the user already has: a .gguf file or a Hugging Face model folder. It is validated first (header,
// architecture, tensor types, tokenizer), then copied — or symlinked with `link` — into <models>/imported/<id>/ via a
// staging folder renamed into place, so a failed import leaves nothing behind.

export interface ImportOptions {
  /** Symlink the files instead of copying them; the originals must then stay where they are. */
  link?: boolean;
  /** The id to list it under (default: from the file or folder name). */
  id?: string;
  env?: Env;
}

export async function importModel(dataDir: string, source: string, options: ImportOptions = {}): Promise<InstalledModel> {
  const sourcePath = path.resolve(source);
  const inspection = await inspectForImport(sourcePath);
  const root = modelsDir(dataDir);
  const id = await chooseId(dataDir, options.id ?? defaultId(sourcePath, inspection), options);
  const importedRoot = path.join(root, 'imported');
  const finalDir = path.join(importedRoot, id);
  const staging = path.join(importedRoot, `.staging-${id}-${process.pid}`);
  await mkdir(importedRoot, { recursive: true });
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    if (!options.link) await ensureFreeSpace(importedRoot, inspection.files.reduce((sum, f) => sum + f.size, 0), path.basename(sourcePath));
    const files: ModelManifest['files'] = [];
    for (const file of inspection.files) {
      const from = path.join(inspection.baseDir, file.path);
      const to = path.join(staging, file.path);
      await mkdir(path.dirname(to), { recursive: true });
      const sha256 = options.link ? await linkAndHash(from, to) : await copyAndHash(from, to);
      files.push({ path: file.path, size: file.size, sha256 });
    }
    const manifest: ModelManifest = {
      schema: 1,
      id,
      kind: 'chat',
      format: inspection.format,
      name: inspection.name,
      source: 'import',
      entry: inspection.format === 'gguf' ? inspection.files[0].path : '.',
      files,
      architecture: inspection.architecture,
      licence: null,
      origin: sourcePath,
      linked: options.link ?? false,
      installedAt: new Date().toISOString(),
      ...(inspection.notice && { notice: inspection.notice }),
    };
    await writeManifest(staging, manifest);
    await rename(staging, finalDir);
    return { ...manifest, dir: finalDir, path: path.resolve(finalDir, manifest.entry), root, managed: true };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

function defaultId(sourcePath: string, inspection: ImportInspection): string {
  const base = inspection.format === 'gguf' ? path.basename(sourcePath).replace(/\.gguf$/i, '') : path.basename(sourcePath);
  return base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'imported-model';
}

/** Ids are unique across the catalog and every installed model; a clash gets a numeric suffix unless given explicitly. */
async function chooseId(dataDir: string, wanted: string, options: ImportOptions): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(wanted)) {
    throw new AppError('import_bad_id', `"${wanted}" cannot be a model id: use letters, digits, ".", "_" or "-" (at most 128 characters).`);
  }
  const taken = new Set([...(await discoverInstalled(dataDir, options.env)).map((m) => m.id)]);
  const free = (id: string) => !taken.has(id) && !findCatalogEntry(id);
  if (free(wanted)) return wanted;
  if (options.id) throw new AppError('import_id_taken', `A model called "${wanted}" already exists. Choose another id, or remove that model first.`);
  for (let n = 2; ; n++) if (free(`${wanted}-${n}`)) return `${wanted}-${n}`;
}

async function copyAndHash(from: string, to: string): Promise<string> {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx' }));
  return hash.digest('hex');
}

async function linkAndHash(from: string, to: string): Promise<string> {
  await symlink(from, to);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(from)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
