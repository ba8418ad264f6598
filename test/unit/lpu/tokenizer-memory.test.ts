import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createTokenizer, type LpuTokenizer } from '../../../src/main/lpu/tokenizer';
import { SMOLLM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { bpeTokenizerFromHfFolder } from '../../../src/main/lpu/loader/gguf-writer';

const SMOLLM = SMOLLM_TOKENIZER_DIR;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Heap plus ArrayBuffer backing stores (typed arrays live outside the V8 heap), after full collections. */
function retainedBytes(): number {
  for (let i = 0; i < 4; i++) gc();
  return v8.getHeapStatistics().used_heap_size + process.memoryUsage().arrayBuffers;
}

/** SmolLM2's 49,152-token vocabulary as a GGUF loader hands it over. */
function smollmMetadata(): Map<string, unknown> {
  const bpe = bpeTokenizerFromHfFolder(SMOLLM, 'smollm');
  return new Map<string, unknown>([
    ['tokenizer.ggml.model', 'gpt2'], ['tokenizer.ggml.pre', 'smollm'], ['tokenizer.ggml.tokens', bpe.tokens],
    ['tokenizer.ggml.token_type', bpe.tokenTypes], ['tokenizer.ggml.merges', bpe.merges],
    ['tokenizer.ggml.bos_token_id', bpe.bosId], ['tokenizer.ggml.eos_token_id', bpe.eosId], ['tokenizer.ggml.add_bos_token', false],
  ]);
}

describe('byte-level BPE tokenizer memory', () => {
  it('retains a few MiB for a 49k vocabulary (tokenizers.js retained ~15 MiB)', async () => {
    const md = smollmMetadata();
    const before = retainedBytes();
    const tokenizer = await createTokenizer({ kind: 'gguf', metadata: md });
    const retained = retainedBytes() - before;
    expect(tokenizer.encode('Hello world')).toEqual([19556, 905]); // keeps the tokenizer alive past the measurement
    expect(retained).toBeGreaterThan(1 << 20); // the tables are really counted
    expect(retained).toBeLessThan(12 << 20);
  });

  it('lets the loader drop the metadata string arrays once the tokenizer is built', async () => {
    let tokenizer: LpuTokenizer | undefined;
    const dropped = await (async () => {
      const md = smollmMetadata();
      tokenizer = await createTokenizer({ kind: 'gguf', metadata: md });
      return ['tokenizer.ggml.tokens', 'tokenizer.ggml.merges', 'tokenizer.ggml.token_type'].map((key) => new WeakRef(md.get(key) as object));
    })();
    await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRef targets stay alive until the current job ends
    gc();
    expect(dropped.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]);
    expect(tokenizer!.decode(tokenizer!.encode('still works'))).toBe('still works');
  });
});
