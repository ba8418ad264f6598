import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspectModel, readGgufMetadata } from '../../../src/main/lpu';
import { AppError } from '../../../src/shared/errors';
import { TINY_LLAMA, tinyWeights, writeTinyGguf, writeTinyHfFolder } from '../../fixtures/lpu/tiny-models';

const STORIES = path.resolve('../shared/models/stories260K-gguf/stories260K.gguf');
let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-loader-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('GGUF metadata and inspectModel', () => {
  it('reads stories260K header, metadata and tensor infos without tensor data', () => {
    const h = readGgufMetadata(STORIES);
    expect(h.version).toBe(3);
    expect(h.metadata.get('general.architecture')).toBe('llama');
    expect(h.metadata.get('llama.embedding_length')).toBe(64);
    expect((h.metadata.get('tokenizer.ggml.tokens') as string[]).length).toBe(512);
    const embd = h.tensors.find((t) => t.name === 'token_embd.weight')!;
    expect(embd).toMatchObject({ dims: [64, 512], typeName: 'F32', byteLength: 64 * 512 * 4 });
    expect(h.dataOffset % 32).toBe(0);
  });

  it('inspects stories260K', async () => {
    expect(await inspectModel(STORIES)).toEqual({
      format: 'gguf', architecture: 'llama', name: expect.any(String), parameterCount: expect.any(Number),
      contextLength: 512, tensorTypes: ['F32'], hasTokenizer: true,
    });
    expect((await inspectModel(STORIES)).parameterCount).toBeGreaterThan(250_000);
  });

  it('inspects a Hugging Face folder', async () => {
    const folder = path.join(dir, 'hf');
    writeTinyHfFolder(folder, TINY_LLAMA, tinyWeights(TINY_LLAMA), 'BF16');
    expect(await inspectModel(folder)).toMatchObject({ format: 'safetensors', architecture: 'llama', tensorTypes: ['BF16'], hasTokenizer: true, contextLength: 512 });
  });

  it('names an unsupported architecture', async () => {
    const file = path.join(dir, 'gpt2.gguf');
    writeTinyGguf(file, TINY_LLAMA, tinyWeights(TINY_LLAMA), 'F32');
    const bytes = readFileSync(file);
    // Same-length rename of the architecture value keeps every offset valid.
    const at = bytes.indexOf(Buffer.from('llama'), bytes.indexOf(Buffer.from('general.architecture')));
    bytes.write('phi22', at);
    writeFileSync(file, bytes);
    const e = await rejection(inspectModel(file));
    expect(e.code).toBe('unsupported_model');
    expect(e.message).toBe('The model architecture "phi22" is not supported by the LPU emulator; it runs llama, qwen2, mistral models.');
  });

  it('names an unsupported tensor type', async () => {
    const file = path.join(dir, 'iq.gguf');
    writeTinyGguf(file, TINY_LLAMA, tinyWeights(TINY_LLAMA), 'F32');
    const bytes = readFileSync(file);
    // Patch blk.0.attn_q.weight's type (after name, n_dims u32 and two u64 dims) from F32 (0) to IQ4_XS (23).
    const name = Buffer.from('blk.0.attn_q.weight');
    const typeAt = bytes.indexOf(name) + name.length + 4 + 16;
    expect(bytes.readUInt32LE(typeAt)).toBe(0);
    bytes.writeUInt32LE(23, typeAt);
    writeFileSync(file, bytes);
    const e = await rejection(inspectModel(file));
    expect(e.message).toMatch(/stores tensors as IQ4_XS, which the LPU emulator cannot load/);
  });

  it('rejects files that are not GGUF and missing paths', async () => {
    const file = path.join(dir, 'not.gguf');
    writeFileSync(file, 'hello world, not a model');
    expect((await rejection(inspectModel(file))).message).toMatch(/is not a GGUF file/);
    expect((await rejection(inspectModel(path.join(dir, 'missing.gguf')))).code).toBe('model_not_found');
  });
});
