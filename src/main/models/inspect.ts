import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { inspectModel, safetensorsFiles } from '../lpu/loader/index';

// Validation before import: what a file or folder is, and whether the LPU emulator can run it. The LPU loader's
// inspectModel judges header, architecture and tensor types; here we add what an import needs on top: a clear answer
// for files that are not models at all, a complete folder, untruncated weights and a tokenizer.

export interface ImportInspection {
  format: 'gguf' | 'hf-folder';
  name: string;
  architecture: string;
  /** The folder `files` are relative to. */
  baseDir: string;
  files: { path: string; size: number }[];
  /** The loader's word on how the model will run (a multimodal model's images are not used). */
  notice?: string;
}

/** Files of a Hugging Face folder worth importing: weights, configs and tokenizer; other formats are left behind. */
const HF_FOLDER_FILE = /(\.safetensors|\.json|^tokenizer\.model|^merges\.txt|^vocab\.txt|\.jinja)$/;

export async function inspectForImport(sourcePath: string): Promise<ImportInspection> {
  const info = await stat(sourcePath).catch((cause: unknown) => {
    throw new AppError('import_not_found', `${sourcePath} does not exist. Check the path and try again.`, cause);
  });
  if (info.isDirectory()) return inspectHfFolder(sourcePath);
  const name = path.basename(sourcePath);
  if ((await firstBytes(sourcePath, 4)).toString('latin1') !== 'GGUF') {
    if (name.endsWith('.safetensors')) {
      throw new AppError('import_unsupported', `${name} alone is not enough: import the whole Hugging Face model folder (config.json, *.safetensors and tokenizer.json).`);
    }
    throw new AppError('import_unsupported', `${name} is not a model file Lockstep can import: choose a .gguf file or a Hugging Face model folder (config.json, *.safetensors and tokenizer.json).`);
  }
  const model = await inspectWithLoader(sourcePath, name);
  if (!model.hasTokenizer) {
    throw new AppError('unsupported_model', `${name} has no usable tokenizer (tokenizer.ggml.tokens with a llama or gpt2 vocabulary), so Lockstep cannot turn text into its tokens. Use a GGUF converted with its vocabulary.`);
  }
  return { format: 'gguf', name: model.name, architecture: model.architecture, baseDir: path.dirname(sourcePath), files: [{ path: name, size: info.size }] };
}

async function inspectHfFolder(dir: string): Promise<ImportInspection> {
  const folder = path.basename(dir);
  const entries = await readdir(dir, { withFileTypes: true });
  const names = new Set(entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name));
  const missing = [
    !names.has('config.json') && 'config.json',
    ![...names].some((n) => n.endsWith('.safetensors')) && 'a *.safetensors weights file',
    !names.has('tokenizer.json') && 'tokenizer.json',
  ].filter(Boolean);
  if (missing.length) {
    throw new AppError('import_unsupported', `The folder ${folder} is not a complete Hugging Face model: it lacks ${missing.join(', ')}.`);
  }
  // only the weights the loader reads: Mistral repos also hold consolidated.safetensors, the same weights again
  const weights = new Set(safetensorsFiles(dir).map((file) => path.basename(file)));
  const files: { path: string; size: number }[] = [];
  for (const name of [...names].filter((n) => HF_FOLDER_FILE.test(n) && (!n.endsWith('.safetensors') || weights.has(n))).sort()) {
    const size = (await stat(path.join(dir, name))).size;
    if (name.endsWith('.safetensors')) await checkSafetensorsLength(path.join(dir, name), size);
    files.push({ path: name, size });
  }
  const model = await inspectWithLoader(dir, folder);
  return { format: 'hf-folder', name: folder, architecture: model.architecture, baseDir: dir, files, ...(model.notice && { notice: model.notice }) };
}

/** safetensors: u64 header length, a JSON header of {dtype, shape, data_offsets} per tensor, then the data, all of it. */
async function checkSafetensorsLength(file: string, size: number): Promise<void> {
  const name = path.basename(file);
  const truncated = () => new AppError('unsupported_model', `${name} is truncated or not a safetensors file.`);
  if (size < 8) throw truncated();
  const headerLength = Number((await firstBytes(file, 8)).readBigUInt64LE(0));
  if (headerLength <= 0 || 8 + headerLength > size) throw truncated();
  let header: Record<string, { data_offsets?: [number, number] }>;
  try {
    header = JSON.parse((await firstBytes(file, 8 + headerLength)).subarray(8).toString('utf8'));
  } catch {
    throw truncated();
  }
  const tensors = Object.entries(header).filter(([key]) => key !== '__metadata__');
  const end = Math.max(0, ...tensors.map(([, t]) => t.data_offsets?.[1] ?? 0));
  if (8 + headerLength + end > size) throw truncated();
}

/** The loader's verdict; anything it throws that is not already a user-facing error becomes one. */
async function inspectWithLoader(modelPath: string, label: string): ReturnType<typeof inspectModel> {
  try {
    return await inspectModel(modelPath);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError('unsupported_model', `${label} could not be read as a model (${reason}).`, error);
  }
}

async function firstBytes(file: string, count: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(count);
    const { bytesRead } = await handle.read(buffer, 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
