import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspectModel, readGgufMetadata } from '../../../src/main/lpu';
import { openModel, type WeightSource } from '../../../src/main/lpu/loader';
import { compile } from '../../../src/main/lpu/compiler/pipeline';
import { createArena } from '../../../src/main/lpu/runtime/arena';
import { loadWeights } from '../../../src/main/lpu/runtime/load-weights';
import { AppError } from '../../../src/shared/errors';
import { gguf, writeGguf } from '../../../src/main/lpu/loader/gguf-writer';
import { TINY_LLAMA, TINY_QWEN2, tinyWeights, writeTinyGguf, writeTinyHfFolder } from '../../fixtures/lpu/tiny-models';
import { corpusFile, itWithCorpus } from '../../support/corpus';

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const stories = () => corpusFile(STORIES);
let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-loader-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('GGUF metadata and inspectModel', () => {
  itWithCorpus([STORIES], 'reads stories260K header, metadata and tensor infos without tensor data', () => {
    const h = readGgufMetadata(stories());
    expect(h.version).toBe(3);
    expect(h.metadata.get('general.architecture')).toBe('llama');
    expect(h.metadata.get('llama.embedding_length')).toBe(64);
    expect((h.metadata.get('tokenizer.ggml.tokens') as string[]).length).toBe(512);
    const embd = h.tensors.find((t) => t.name === 'token_embd.weight')!;
    expect(embd).toMatchObject({ dims: [64, 512], typeName: 'F32', byteLength: 64 * 512 * 4 });
    expect(h.dataOffset % 32).toBe(0);
  });

  itWithCorpus([STORIES], 'inspects stories260K', async () => {
    expect(await inspectModel(stories())).toEqual({
      format: 'gguf', architecture: 'llama', name: expect.any(String), parameterCount: expect.any(Number),
      contextLength: 512, tensorTypes: ['F32'], hasTokenizer: true,
    });
    expect((await inspectModel(stories())).parameterCount).toBeGreaterThan(250_000);
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
    expect(e.message).toBe('The model architecture "phi22" is not supported by the LPU emulator; it runs llama, mistral, qwen2, qwen3, gemma2, gemma3, phi3 models.');
  });

  it('names a vision model\'s image projector (mmproj GGUF) for what it is', async () => {
    const file = path.join(dir, 'mmproj-gemma-3-4b-it-f16.gguf');
    writeGguf(file, { 'general.architecture': gguf.str('clip'), 'clip.has_vision_encoder': gguf.bool(true) }, [
      { name: 'v.patch_embd.weight', dims: [4, 4], type: 'F32', fillRow: (row) => row.fill(0) },
    ]);
    const e = await rejection(inspectModel(file));
    expect(e).toMatchObject({ code: 'unsupported_model', message: "mmproj-gemma-3-4b-it-f16.gguf is the image projector (mmproj) of a vision-language model, not a language model; Lockstep runs text only, so import the model's own GGUF instead." });
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

describe('loading GGUF Q8_0 weights into the INT8 arena', () => {
  // qwen2 routes q/k through the RoPE row permutation; two chips shard the embedding and head by rows.
  it.each([
    { shape: TINY_LLAMA, chips: 1 },
    { shape: TINY_QWEN2, chips: 1 },
    { shape: TINY_LLAMA, chips: 2 },
  ])('copies $shape.arch blocks on $chips chip(s) byte for byte as quantising their f32 values would store them', ({ shape, chips }) => {
    const file = path.join(dir, `q8-${shape.arch}-${chips}.gguf`);
    writeTinyGguf(file, shape, tinyWeights(shape), 'Q8_0');
    const source = openModel(file);
    expect(source.weights.get('blk.0.attn_q')!.readQ8Rows).toBeTypeOf('function');
    expect(source.weights.get('blk.0.attn_norm')!.readQ8Rows).toBeUndefined(); // stored F32
    const { program } = compile(source.config, { weights: 'int8', chips }, source.hash);
    let blockCopies = 0;
    const counted = new Map<string, WeightSource>([...source.weights].map(([name, w]) => [name, !w.readQ8Rows ? w : {
      ...w, readQ8Rows: (...args: Parameters<NonNullable<WeightSource['readQ8Rows']>>) => { blockCopies++; w.readQ8Rows!(...args); },
    }]));
    const viaF32 = new Map<string, WeightSource>([...source.weights].map(([name, w]) => [name, { ...w, readQ8Rows: undefined }]));
    const direct = createArena(program.arenaBytes), requantised = createArena(program.arenaBytes);
    const directReport = loadWeights(program, counted, direct);
    expect(blockCopies).toBeGreaterThanOrEqual(shape.layers * 7);
    const requantisedReport = loadWeights(program, viaF32, requantised);

    const weights = new Set(program.tensors.filter((t) => t.kind === 'weight').map((t) => t.id));
    const copied = program.memory.allocations.filter((a) => weights.has(a.tensor));
    expect(copied.some((a) => a.tensor.endsWith('.scales') && (a.rowStart ?? 0) > 0)).toBe(chips > 1);
    for (const a of copied) {
      const at = program.chipBase[a.chip]! + a.offset;
      expect(Buffer.from(direct.buffer, at, a.bytes).equals(Buffer.from(requantised.buffer, at, a.bytes)), a.tensor).toBe(true);
    }
    expect(directReport).toEqual({ ...requantisedReport, weightRelativeRmsError: 0 });
    expect(requantisedReport.weightRelativeRmsError).toBe(0); // Q8_0 values re-quantise to the same blocks
    expect(directReport.matricesQuantized).toBeGreaterThan(0);
  });

  it('refuses a Q8_0 block whose scale is infinite, naming the tensor', () => {
    const file = path.join(dir, 'q8-damaged.gguf');
    writeTinyGguf(file, TINY_LLAMA, tinyWeights(TINY_LLAMA), 'Q8_0');
    const info = readGgufMetadata(file).tensors.find((t) => t.name === 'blk.1.ffn_up.weight')!;
    const bytes = readFileSync(file);
    bytes.writeUInt16LE(0x7c00, info.fileOffset + 34 * 3); // the fourth block's f16 d
    writeFileSync(file, bytes);
    const source = openModel(file);
    const { program } = compile(source.config, { weights: 'int8' }, source.hash);
    const load = () => loadWeights(program, source.weights, createArena(program.arenaBytes));
    expect(load).toThrow(AppError);
    expect(load).toThrow("The model file's weight blk.1.ffn_up has an infinite or NaN Q8_0 scale; the file is damaged. Download it again.");
  });
});
