import { describe, expect, it } from 'vitest';
import { catalog, chatCompatibility, DEFAULT_CHAT_MODEL_ID, DEFAULT_EMBEDDER_ID, findCatalogEntry, hubFileUrl, requireCatalogEntry, RERANKER_ID } from '../../../src/main/models/catalog';
import { defaultSettings } from '../../../src/shared/settings';

describe('the model catalog', () => {
  it('has the embedders and chat models with unique ids', () => {
    expect(catalog.map((e) => e.id)).toEqual([
      'Xenova/all-MiniLM-L6-v2',
      'Xenova/multilingual-e5-small',
      'Xenova/bge-small-en-v1.5',
      'smollm2-360m-instruct-q8_0',
      'qwen2.5-0.5b-instruct-q8_0',
      'qwen2.5-1.5b-instruct-q4_k_m',
      'llama-3.2-1b-instruct-q4_k_m',
      'llama-3.2-1b-instruct-q8_0',
      'llama-3.2-3b-instruct-q4_k_m',
      'qwen3-0.6b-q4_k_m',
      'qwen3-1.7b-q4_k_m',
      'gemma-3-1b-it-q4_k_m',
      'Xenova/ms-marco-MiniLM-L-6-v2',
    ]);
    expect(new Set(catalog.map((e) => e.id)).size).toBe(catalog.length);
    expect(DEFAULT_EMBEDDER_ID).toBe(defaultSettings.embedderId);
  });

  it('defaults to Llama 3.2 1B Instruct at Q4_K_M', () => {
    expect(requireCatalogEntry(DEFAULT_CHAT_MODEL_ID)).toMatchObject({
      kind: 'chat', architecture: 'llama', quantization: 'Q4_K_M',
      repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
      files: [{ path: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf', size: 807_694_464, sha256: '6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83' }],
    });
  });

  it('every chat model runs on the LPU emulator, and says so before download; others are named as unsupported', () => {
    for (const entry of catalog) if (entry.kind === 'chat') expect(chatCompatibility(entry.architecture, entry.quantization)).toMatchObject({ lpu: true });
    expect(chatCompatibility('gemma3', 'Q4_K_M').note).toBe('Runs on the LPU emulator (gemma3, Q4_K_M), checked against llama.cpp.');
    expect(chatCompatibility('mamba', 'Q8_0')).toEqual({ lpu: false, note: 'The LPU emulator does not run mamba models; it runs llama, mistral, qwen2, qwen3, gemma2, gemma3, phi3.' });
    expect(chatCompatibility('qwen3', 'IQ2_XS')).toMatchObject({ lpu: false, note: expect.stringMatching(/^The LPU emulator does not load IQ2_XS weights; it loads F32, F16/) });
  });

  it('pins every checksum as 64 hex digits (or null, verified against the hub) and every size as a positive integer', () => {
    for (const entry of catalog) {
      for (const file of entry.files) {
        if (file.sha256 !== null) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
        if (file.size !== null) expect(Number.isSafeInteger(file.size) && file.size > 0).toBe(true);
      }
      expect(entry.revision === 'main' || /^[0-9a-f]{40}$/.test(entry.revision)).toBe(true);
      expect(entry.downloadBytes).toBeGreaterThan(0);
    }
  });

  it('lists exactly the files transformers.js loads for a q8 embedder', () => {
    for (const entry of catalog.filter((e) => e.kind === 'embedding')) {
      expect(entry.files.map((f) => f.path)).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']);
    }
    expect(findCatalogEntry('Xenova/multilingual-e5-small')).toMatchObject({ queryPrefix: 'query: ', passagePrefix: 'passage: ', pooling: 'mean', dimension: 384 });
    expect(findCatalogEntry('Xenova/bge-small-en-v1.5')).toMatchObject({ queryPrefix: 'Represent this sentence for searching relevant passages: ', pooling: 'cls' });
  });

  it('pins the reranker, a q8 cross-encoder, to one revision with every file size and sha256', () => {
    expect(requireCatalogEntry(RERANKER_ID)).toMatchObject({
      kind: 'reranker', repo: 'Xenova/ms-marco-MiniLM-L-6-v2', revision: 'a09144355adeed5f58c8ed011d209bf8ee5a1fec', licence: 'apache-2.0', dtype: 'q8',
      downloadBytes: 824 + 711_396 + 1_242 + 23_143_499,
    });
    const files = requireCatalogEntry(RERANKER_ID).files;
    expect(files.map((f) => f.path)).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']);
    expect(files.every((f) => f.size !== null && f.sha256 !== null)).toBe(true);
    expect(files[3]).toEqual({ path: 'onnx/model_quantized.onnx', size: 23_143_499, sha256: 'e9d8ebf845c413e981c175bfe49a3bfa9b3dcce2a3ba54875ee5df5a58639fbe' });
    // The same BERT uncased tokenizer as bge-small-en-v1.5, pinned there from another source.
    expect(files[1]).toEqual({ ...requireCatalogEntry('Xenova/bge-small-en-v1.5').files[1] });
  });

  it('builds hub URLs as https://huggingface.co/<repo>/resolve/<revision>/<file>', () => {
    const entry = requireCatalogEntry('qwen2.5-0.5b-instruct-q8_0');
    expect(hubFileUrl(entry, entry.files[0].path)).toBe(
      'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/9217f5db79a29953eb74d5343926648285ec7e67/qwen2.5-0.5b-instruct-q8_0.gguf',
    );
    expect(hubFileUrl(requireCatalogEntry('Xenova/all-MiniLM-L6-v2'), 'onnx/model_quantized.onnx', 'https://hf-mirror.com')).toBe(
      'https://hf-mirror.com/Xenova/all-MiniLM-L6-v2/resolve/751bff37182d3f1213fa05d7196b954e230abad9/onnx/model_quantized.onnx',
    );
  });

  it('names the known models when asked for an unknown one', () => {
    expect(() => requireCatalogEntry('gpt-5')).toThrow(/There is no model called "gpt-5" in the catalog. Known models: Xenova\/all-MiniLM-L6-v2/);
  });
});
