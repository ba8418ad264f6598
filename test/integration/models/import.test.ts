import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import { gguf, writeGguf, type GgufMetaValue } from '../../../src/main/lpu/loader/gguf-writer';
import { importModel } from '../../../src/main/models/import';
import { resolveChatModel } from '../../../src/main/models/registry';
import { ModelService } from '../../../src/main/models/service';
import { sha256 } from './hub-server';
import { SMOLLM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { mistral3Layout, TINY_MISTRAL3_TEXT, tinyWeights, writeTinyHfFolder, writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';
import { randomMultimodalGemma3, writeHfFolder } from '../../fixtures/lpu/hf-models';

// A tiny random-weight llama with a SentencePiece vocabulary: a real GGUF the emulator runs, written once per file.
let modelDir: string;
let TINY_GGUF: string;
let TINY_SIZE: number;
let TINY_SHA256: string;
beforeAll(() => {
  modelDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-import-model-'));
  TINY_GGUF = writeTinyLlamaFile(modelDir);
  TINY_SIZE = statSync(TINY_GGUF).size;
  TINY_SHA256 = sha256(readFileSync(TINY_GGUF));
});
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** A safetensors file: u64 header length, JSON header, then the tensor bytes. */
function safetensors(tensors: Record<string, { dtype: string; shape: number[]; bytes: number }>): Buffer {
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes] };
    offset += t.bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, Buffer.alloc(offset)]);
}

describe('importing models', () => {
  let dataDir: string;
  let scratch: string;
  const env = {};

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-data-'));
    scratch = mkdtempSync(path.join(os.tmpdir(), 'lockstep-import-src-'));
  });

  const importedEntries = () => {
    const dir = path.join(dataDir, 'models', 'imported');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('imports a GGUF as a chat model, with a verified copy and a manifest, and lists it', async () => {
    const imported = await importModel(dataDir, TINY_GGUF, { env });

    expect(imported).toMatchObject({ id: 'tiny-llama', kind: 'chat', format: 'gguf', source: 'import', architecture: 'llama', linked: false });
    expect(imported.dir).toBe(path.join(dataDir, 'models', 'imported', 'tiny-llama'));
    expect(imported.files).toEqual([{ path: 'tiny-llama.gguf', size: TINY_SIZE, sha256: TINY_SHA256 }]);
    expect(sha256(readFileSync(imported.path))).toBe(TINY_SHA256);
    expect(lstatSync(imported.path).isSymbolicLink()).toBe(false);

    const listed = (await new ModelService(dataDir, undefined, env).list()).find((m) => m.id === 'tiny-llama');
    expect(listed).toMatchObject({ kind: 'chat', installed: true, source: 'import', format: 'gguf', location: 'app', path: imported.path, sizeBytes: TINY_SIZE });
    expect((await resolveChatModel(dataDir, 'tiny-llama', { env })).path).toBe(imported.path);

    // The same file again gets its own id rather than overwriting the first.
    expect((await importModel(dataDir, TINY_GGUF, { env })).id).toBe('tiny-llama-2');
    await expect(importModel(dataDir, TINY_GGUF, { env, id: 'tiny-llama' })).rejects.toMatchObject({ code: 'import_id_taken' });
  });

  it('links instead of copying when asked', async () => {
    const imported = await importModel(dataDir, TINY_GGUF, { env, link: true, id: 'tiny-linked' });
    expect(lstatSync(imported.path).isSymbolicLink()).toBe(true);
    expect(imported.linked).toBe(true);
    expect(imported.files[0].sha256).toBe(TINY_SHA256);
  });

  it('rejects a file that is not a model, leaving nothing behind', async () => {
    const notes = path.join(scratch, 'notes.txt');
    writeFileSync(notes, 'These are meeting notes, not weights.');
    const error = await rejection(importModel(dataDir, notes, { env }));
    expect(error.code).toBe('import_unsupported');
    expect(error.message).toBe('notes.txt is not a model file Lockstep can import: choose a .gguf file or a Hugging Face model folder (config.json, *.safetensors and tokenizer.json).');
    expect(importedEntries()).toEqual([]);
  });

  it('rejects a truncated GGUF and says so', async () => {
    const truncated = path.join(scratch, 'tiny-cut.gguf');
    writeFileSync(truncated, readFileSync(TINY_GGUF).subarray(0, TINY_SIZE - 5000));
    const error = await rejection(importModel(dataDir, truncated, { env }));
    expect(error.code).toBe('unsupported_model');
    expect(error.message).toMatch(/tiny-cut\.gguf is truncated: tensor .+ extends past the end of the file/);
    expect(importedEntries()).toEqual([]);

    // Cut inside the tensor table, the header's own offsets point past the end.
    writeFileSync(truncated, readFileSync(TINY_GGUF).subarray(0, Math.floor(TINY_SIZE / 2)));
    const early = await rejection(importModel(dataDir, truncated, { env }));
    expect(early.code).toBe('unsupported_model');
    expect(early.message).toMatch(/tiny-cut\.gguf is (corrupt|truncated)/);
  });

  describe('GGUF files the emulator cannot run', () => {
    function tinyGguf(file: string, architecture: string, withTokenizer: boolean) {
      const metadata: Record<string, GgufMetaValue> = {
        'general.architecture': gguf.str(architecture),
        [`${architecture}.embedding_length`]: gguf.u32(8),
        [`${architecture}.attention.head_count`]: gguf.u32(2),
        [`${architecture}.feed_forward_length`]: gguf.u32(16),
        [`${architecture}.block_count`]: gguf.u32(1),
        [`${architecture}.context_length`]: gguf.u32(64),
      };
      if (withTokenizer) {
        metadata['tokenizer.ggml.model'] = gguf.str('llama');
        metadata['tokenizer.ggml.tokens'] = gguf.strings(['<unk>', '<s>', '</s>', 'a']);
      }
      const tensor = (name: string, dims: number[]) => ({ name, dims, type: 'F32' as const, fillRow: (row: Float32Array) => row.fill(0.5) });
      // Every tensor a one-block llama needs, in its shape (the loader checks them all), with the output tied to the embedding.
      const block = [['attn_norm', [8]], ['attn_q', [8, 8]], ['attn_k', [8, 8]], ['attn_v', [8, 8]], ['attn_output', [8, 8]], ['ffn_norm', [8]], ['ffn_gate', [8, 16]], ['ffn_up', [8, 16]], ['ffn_down', [16, 8]]] as const;
      writeGguf(file, metadata, [tensor('token_embd.weight', [8, 4]), ...block.map(([name, dims]) => tensor(`blk.0.${name}.weight`, [...dims])), tensor('output_norm.weight', [8])]);
    }

    it('accepts a well-formed tiny llama and names what is missing otherwise', async () => {
      const good = path.join(scratch, 'tiny.gguf');
      tinyGguf(good, 'llama', true);
      expect(await importModel(dataDir, good, { env })).toMatchObject({ id: 'tiny', architecture: 'llama' });

      const noTokenizer = path.join(scratch, 'no-vocab.gguf');
      tinyGguf(noTokenizer, 'llama', false);
      const missing = await rejection(importModel(dataDir, noTokenizer, { env }));
      expect(missing.code).toBe('unsupported_model');
      expect(missing.message).toMatch(/^no-vocab\.gguf has no usable tokenizer/);

      const gpt2 = path.join(scratch, 'gpt2.gguf');
      tinyGguf(gpt2, 'gpt2', true);
      const architecture = await rejection(importModel(dataDir, gpt2, { env }));
      expect(architecture.code).toBe('unsupported_model');
      expect(architecture.message).toMatch(/^The model architecture "gpt2" is not supported by the LPU emulator/);
      expect(importedEntries()).toEqual(['tiny']);
    });
  });

  it('rejects a path that does not exist', async () => {
    const error = await rejection(importModel(dataDir, path.join(scratch, 'missing.gguf'), { env }));
    expect(error.code).toBe('import_not_found');
  });

  describe('Hugging Face folders', () => {
    const tokenizer = path.join(SMOLLM_TOKENIZER_DIR, 'tokenizer.json');

    function writeFolder(dir: string, options: { modelType?: string; dtype?: string; withTokenizer?: boolean; truncate?: boolean } = {}) {
      mkdirSync(dir, { recursive: true });
      const config = { model_type: options.modelType ?? 'llama', hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, vocab_size: 4 };
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
      const weights = safetensors({ 'model.embed_tokens.weight': { dtype: options.dtype ?? 'F32', shape: [4, 8], bytes: 128 } });
      writeFileSync(path.join(dir, 'model.safetensors'), options.truncate ? weights.subarray(0, weights.length - 10) : weights);
      if (options.withTokenizer !== false) copyFileSync(tokenizer, path.join(dir, 'tokenizer.json'));
      writeFileSync(path.join(dir, 'pytorch_model.bin'), 'other formats are not copied');
    }

    it('imports a complete folder with its weights, config and tokenizer', async () => {
      const dir = path.join(scratch, 'tiny-llama');
      writeFolder(dir);
      const imported = await importModel(dataDir, dir, { env });
      expect(imported).toMatchObject({ id: 'tiny-llama', kind: 'chat', format: 'hf-folder', architecture: 'llama', entry: '.' });
      expect(imported.files.map((f) => f.path)).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
      expect(imported.path).toBe(imported.dir);
      expect(existsSync(path.join(imported.dir, 'pytorch_model.bin'))).toBe(false);
    });

    it('imports a multimodal Gemma 3 for its text model and the model manager says images are not used', async () => {
      const dir = path.join(scratch, 'gemma-3-mm');
      writeHfFolder(dir, randomMultimodalGemma3('model.language_model').folder);
      copyFileSync(tokenizer, path.join(dir, 'tokenizer.json'));
      const notice = 'Gemma3ForConditionalGeneration is a vision-language model: Lockstep runs its text model and does not use images (4 vision tensors left unread).';
      const imported = await importModel(dataDir, dir, { env });
      expect(imported).toMatchObject({ id: 'gemma-3-mm', architecture: 'gemma3', notice });
      const listing = (await new ModelService(dataDir, undefined, env).list()).find((m) => m.id === 'gemma-3-mm');
      expect(listing?.compatibility).toEqual({ lpu: true, note: `Runs on the LPU emulator (gemma3), checked against llama.cpp. ${notice}` });
    });

    it('imports a Mistral 3 folder for its text model: only the weights the index maps, not consolidated.safetensors', async () => {
      const dir = path.join(scratch, 'mistral-small-3');
      writeTinyHfFolder(dir, TINY_MISTRAL3_TEXT, tinyWeights(TINY_MISTRAL3_TEXT), 'F32', mistral3Layout('language_model.model'));
      // the repo's layout: a sharded HF checkpoint, its index, and Mistral's own consolidated copy beside them
      const shard = path.join(dir, 'model-00001-of-00001.safetensors');
      renameSync(path.join(dir, 'model.safetensors'), shard);
      const bytes = readFileSync(shard);
      const names = Object.keys(JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as object);
      writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: Object.fromEntries(names.map((name) => [name, path.basename(shard)])) }));
      writeFileSync(path.join(dir, 'consolidated.safetensors'), safetensors({ 'tok_embeddings.weight': { dtype: 'F32', shape: [4, 8], bytes: 128 } }));
      const notice = 'Mistral3ForConditionalGeneration is a vision-language model: Lockstep runs its text model and does not use images (4 vision tensors left unread).';
      const imported = await importModel(dataDir, dir, { env });
      expect(imported).toMatchObject({ id: 'mistral-small-3', architecture: 'mistral', notice });
      expect(imported.files.map((f) => f.path)).toEqual(['config.json', 'model-00001-of-00001.safetensors', 'model.safetensors.index.json', 'tokenizer.json', 'tokenizer_config.json']);
      const listing = (await new ModelService(dataDir, undefined, env).list()).find((m) => m.id === 'mistral-small-3');
      expect(listing?.compatibility).toEqual({ lpu: true, note: `Runs on the LPU emulator (mistral), checked against llama.cpp. ${notice}` });
    });

    it('names what a folder lacks', async () => {
      const dir = path.join(scratch, 'no-tokenizer');
      writeFolder(dir, { withTokenizer: false });
      const error = await rejection(importModel(dataDir, dir, { env }));
      expect(error.code).toBe('import_unsupported');
      expect(error.message).toBe('The folder no-tokenizer is not a complete Hugging Face model: it lacks tokenizer.json.');
    });

    it('turns an unreadable config into a user-facing error', async () => {
      const dir = path.join(scratch, 'broken');
      writeFolder(dir);
      writeFileSync(path.join(dir, 'config.json'), '{ not json');
      const error = await rejection(importModel(dataDir, dir, { env }));
      expect(error.code).toBe('unsupported_model');
      expect(error.message).toMatch(/^broken could not be read as a model \(/);
    });

    it('names an unsupported architecture', async () => {
      const dir = path.join(scratch, 'bert');
      writeFolder(dir, { modelType: 'bert' });
      const error = await rejection(importModel(dataDir, dir, { env }));
      expect(error.code).toBe('unsupported_model');
      expect(error.message).toMatch(/^The model architecture "bert" is not supported in Hugging Face folders; the LPU emulator reads /);
    });

    it('names unsupported tensor types and truncated weights', async () => {
      const int8 = path.join(scratch, 'int8');
      writeFolder(int8, { dtype: 'I8' });
      expect((await rejection(importModel(dataDir, int8, { env }))).message).toMatch(/model\.embed_tokens\.weight in model\.safetensors is I8; Lockstep reads F32, F16 and BF16/);
      const cut = path.join(scratch, 'cut');
      writeFolder(cut, { truncate: true });
      expect((await rejection(importModel(dataDir, cut, { env }))).message).toBe('model.safetensors is truncated or not a safetensors file.');
    });
  });
});
