// Qwen3, Gemma 2, Gemma 3 and Phi-3 from Hugging Face folders: the same random weights loaded from safetensors and
// from the GGUF that llama.cpp's converter rules make of them give the same model, and bit-for-bit the same logits
// (one program, the same f32 weights). The GGUF path is checked against llama.cpp in parity.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openModel } from '../../../src/main/lpu/loader';
import { emulatorLogits } from '../../../src/main/lpu/parity';
import { AppError } from '../../../src/shared/errors';
import { hfModelToGguf, randomHfModel, writeHfFolder, type HfArch } from '../../fixtures/lpu/hf-models';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-hf-archs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// past the 4-token sliding window twice, so local and global layers both matter
const IDS = [1, 17, 42, 99, 7, 250, 3, 64, 128, 5, 300, 11];

describe.each(['qwen3', 'gemma2', 'gemma3', 'phi3'] as HfArch[])('%s from a Hugging Face folder', (arch) => {
  it('is the model its GGUF conversion is: same config, same logits', async () => {
    const model = randomHfModel(arch);
    const folder = path.join(dir, arch), file = path.join(dir, `${arch}.gguf`);
    writeHfFolder(folder, model);
    hfModelToGguf(model, file);
    const hf = openModel(folder), gg = openModel(file);
    expect(hf.format).toBe('safetensors');
    expect({ ...hf.config, name: '' }).toEqual({ ...gg.config, name: '' });
    expect([...hf.weights.keys()].sort()).toEqual([...gg.weights.keys()].sort());
    const ours = await emulatorLogits(hf, IDS, 'wasm'), theirs = await emulatorLogits(gg, IDS, 'wasm');
    expect(Math.max(...theirs.flatMap((l) => Array.from(l, Math.abs)))).toBeGreaterThan(1); // logits that can differ
    ours.forEach((logits, p) => expect(Array.from(logits)).toEqual(Array.from(theirs[p]!)));
  }, 60_000);
});

describe('Hugging Face folders the emulator refuses', () => {
  const refusal = (config: Record<string, unknown>) => {
    const folder = mkdtempSync(path.join(dir, 'refused-'));
    writeHfFolder(folder, { ...randomHfModel('phi3'), config });
    try {
      openModel(folder);
    } catch (e) {
      return e as AppError;
    }
    throw new Error('expected a refusal');
  };
  const phi3 = randomHfModel('phi3').config;

  it('a long-context Phi-3 (LongRoPE) and partial rotary embeddings, by name', () => {
    expect(refusal({ ...phi3, rope_scaling: { type: 'longrope', long_factor: [1], short_factor: [1] } })).toMatchObject({
      code: 'unsupported_model', message: expect.stringMatching(/is a long-context Phi-3 \(LongRoPE\), which the LPU emulator does not support yet; use a 4k-context Phi-3\.$/),
    });
    expect(refusal({ ...phi3, partial_rotary_factor: 0.75 }).message).toMatch(/rotates part of each head \(partial_rotary_factor 0\.75\)/);
  });

  it('an architecture it does not know, naming the ones it reads', () => {
    const e = refusal({ ...phi3, architectures: ['Gemma3ForConditionalGeneration'], model_type: 'gemma3' });
    expect(e.message).toBe('The model architecture "Gemma3ForConditionalGeneration" (the multimodal Gemma 3; its text model runs from a GGUF file) is not supported in Hugging Face folders; the LPU emulator reads Llama, Mistral, Qwen2, Qwen3, Gemma 2, Gemma 3 (text) and Phi-3 folders.');
  });

  it('a layer order other than the pattern llama.cpp runs; the pattern itself loads', () => {
    const gemma3 = randomHfModel('gemma3');
    const layers = (pattern: number[]) => pattern.map((l) => (l ? 'full_attention' : 'sliding_attention'));
    const load = (layerTypes: string[]) => {
      const folder = mkdtempSync(path.join(dir, 'layers-'));
      writeHfFolder(folder, { ...gemma3, config: { ...gemma3.config, sliding_window_pattern: undefined, layer_types: layerTypes } });
      return () => openModel(folder);
    };
    expect(load(layers([0, 0, 0, 0, 0, 1]))().config.swaPattern).toBe(6);
    expect(load(layers([1, 0, 0, 0, 0, 1]))).toThrow(/interleaves sliding-window and global layers in an order the LPU emulator does not run \(it runs every sixth layer global\)\.$/);
  });

  it('RoPE scaling it does not implement', () => {
    const folder = path.join(dir, 'yarn');
    const qwen3 = randomHfModel('qwen3');
    writeHfFolder(folder, qwen3);
    writeFileSync(path.join(folder, 'config.json'), JSON.stringify({ ...qwen3.config, rope_scaling: { rope_type: 'yarn', factor: 4 } }));
    expect(() => openModel(folder)).toThrow('The model in yarn uses "yarn" RoPE scaling; the LPU emulator supports none, linear and llama3 scaling.');
  });
});
