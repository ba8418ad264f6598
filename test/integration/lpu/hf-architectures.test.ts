// Qwen3, Gemma 2, Gemma 3 and Phi-3 from Hugging Face folders: the same random weights loaded from safetensors and
// from the GGUF that llama.cpp's converter rules make of them give the same model, and bit-for-bit the same logits
// (one program, the same f32 weights). The GGUF path is checked against llama.cpp in parity.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectModel, openModel } from '../../../src/main/lpu/loader';
import { emulatorLogits } from '../../../src/main/lpu/parity';
import { AppError } from '../../../src/shared/errors';
import { SMOLLM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { mistral3Layout, TINY_MISTRAL3_TEXT, tinyWeights, writeTinyGguf, writeTinyHfFolder } from '../../fixtures/lpu/tiny-models';
import { hfModelToGguf, randomHfModel, randomMultimodalGemma3, writeHfFolder, type HfArch, type MultimodalLayout } from '../../fixtures/lpu/hf-models';

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

describe.each(['language_model.model', 'model.language_model'] as MultimodalLayout[])('multimodal Gemma 3 with its text model under %s', (layout) => {
  it('loads the text model with Gemma3TextConfig defaults, skips the vision side, and is its GGUF conversion', async () => {
    const { folder: model, text } = randomMultimodalGemma3(layout);
    const folder = path.join(dir, `mm-${layout}`), file = path.join(dir, `mm-${layout}.gguf`);
    writeHfFolder(folder, model);
    hfModelToGguf(text, file);
    const hf = openModel(folder), gg = openModel(file);
    // the defaults filled in, not guessed from hidden_size / heads: 8 heads of 256, queries scaled by 1/√256
    expect(hf.config).toMatchObject({ nHeads: 8, nKvHeads: 4, headDim: 256, ropeTheta: 1e6, ropeThetaSwa: 10000, attnScale: 1 / 16, contextLength: 131_072, ropeScale: 1 / 8, slidingWindow: 4 });
    expect({ ...hf.config, name: '' }).toEqual({ ...gg.config, name: '' });
    expect([...hf.weights.keys()].sort()).toEqual([...gg.weights.keys()].sort());
    const textParameters = [...text.tensors.values()].reduce((n, t) => n + t.data.length, 0);
    expect(hf.parameterCount).toBe(textParameters);
    expect(hf.notice).toBe('Gemma3ForConditionalGeneration is a vision-language model: Lockstep runs its text model and does not use images (4 vision tensors left unread).');
    expect(await inspectModel(folder)).toMatchObject({ architecture: 'gemma3', notice: hf.notice });
    const ours = await emulatorLogits(hf, IDS, 'wasm'), theirs = await emulatorLogits(gg, IDS, 'wasm');
    expect(Math.max(...theirs.flatMap((l) => Array.from(l, Math.abs)))).toBeGreaterThan(1);
    ours.forEach((logits, p) => expect(Array.from(logits)).toEqual(Array.from(theirs[p]!)));
  }, 60_000);
});

describe.each(['language_model.model', 'model.language_model'] as MultimodalLayout[])('multimodal Mistral 3 with its text model under %s', (layout) => {
  it('loads the text model over MistralConfig defaults, skips the vision side, and is its GGUF: same config, weights and logits', async () => {
    const weights = tinyWeights(TINY_MISTRAL3_TEXT, 11);
    const folder = path.join(dir, `mistral3-${layout}`), file = path.join(dir, `mistral3-${layout}.gguf`);
    writeTinyHfFolder(folder, TINY_MISTRAL3_TEXT, weights, 'F32', mistral3Layout(layout));
    writeTinyGguf(file, TINY_MISTRAL3_TEXT, weights, 'F32');
    const hf = openModel(folder), gg = openModel(file);
    // rms_norm_eps is not in text_config: MistralConfig's 1e-6, not our 1e-5 fallback; heads 32 wide over a dim of 64, as 128 over 5120
    expect(hf.config).toMatchObject({ architecture: 'mistral', rmsEps: Math.fround(1e-6), headDim: 32, nHeads: 4, nKvHeads: 2, ropeTheta: 1e9, tiedEmbeddings: false, contextLength: 512 });
    expect({ ...hf.config, name: '' }).toEqual({ ...gg.config, name: '' });
    expect([...hf.weights.keys()].sort()).toEqual([...gg.weights.keys()].sort());
    for (const [name, theirs] of gg.weights) {
      const ours = hf.weights.get(name)!;
      const a = new Float32Array(theirs.rows * theirs.cols), b = new Float32Array(ours.rows * ours.cols);
      theirs.readRows(0, theirs.rows, a);
      ours.readRows(0, ours.rows, b);
      expect(b, name).toEqual(a);
    }
    expect(hf.parameterCount).toBe([...weights.values()].reduce((n, t) => n + t.data.length, 0));
    expect(hf.notice).toBe('Mistral3ForConditionalGeneration is a vision-language model: Lockstep runs its text model and does not use images (4 vision tensors left unread).');
    const ours = await emulatorLogits(hf, IDS, 'wasm'), theirs = await emulatorLogits(gg, IDS, 'wasm');
    expect(Math.max(...theirs.flatMap((l) => Array.from(l, Math.abs)))).toBeGreaterThan(1); // logits that can differ
    ours.forEach((logits, p) => expect(Array.from(logits)).toEqual(Array.from(theirs[p]!)));
  }, 60_000);
});

describe('Mistral 3 text models it cannot run as they are', () => {
  const weights = tinyWeights(TINY_MISTRAL3_TEXT, 11);
  const open = (name: string, text: Record<string, unknown>) => {
    const folder = path.join(dir, name);
    writeTinyHfFolder(folder, TINY_MISTRAL3_TEXT, weights, 'F32', mistral3Layout('model.language_model', text));
    return () => openModel(folder);
  };

  it('takes head_dim as hidden_size / heads where text_config leaves it to MistralConfig', () => {
    const narrow = { ...TINY_MISTRAL3_TEXT, headDim: undefined };
    const folder = path.join(dir, 'mistral3-head-dim-default');
    writeTinyHfFolder(folder, narrow, tinyWeights(narrow, 11), 'F32', mistral3Layout('model.language_model', { head_dim: undefined }));
    expect(openModel(folder).config.headDim).toBe(16);
  });

  it('holds the context to the sliding window, 4096 where text_config leaves it to MistralConfig, and says so', () => {
    const unstated = open('mistral3-window-default', { sliding_window: undefined, max_position_embeddings: 131_072 })();
    expect(unstated.config.contextLength).toBe(4096);
    expect(unstated.notice).toBe('Mistral3ForConditionalGeneration is a vision-language model: Lockstep runs its text model and does not use images (4 vision tensors left unread); its context is held to its 4096-token sliding window.');
    expect(open('mistral3-window-null', { max_position_embeddings: 131_072 })().config.contextLength).toBe(131_072);
  });

  it('refuses a Ministral 3 text model (YaRN RoPE, position-scaled queries) and any other text model_type, saying which', () => {
    expect(open('mistral3-ministral', { model_type: 'ministral3' })).toThrow('The Mistral3ForConditionalGeneration model in mistral3-ministral carries Ministral 3, whose YaRN RoPE and position-scaled queries (llama_4_scaling_beta) the LPU emulator does not run; the LPU emulator runs Mistral 3 folders whose text_config is a Mistral model (Mistral Small 3.1 and 3.2).');
    expect(open('mistral3-llama', { model_type: 'llama' })).toThrow('The Mistral3ForConditionalGeneration model in mistral3-llama carries a "llama" text model, not a Mistral one; the LPU emulator runs Mistral 3 folders whose text_config is a Mistral model (Mistral Small 3.1 and 3.2).');
  });
});

describe('lockstep lpu compile on a multimodal Gemma 3 folder', () => {
  it('says the images are not used', () => {
    const folder = path.join(dir, 'mm-cli');
    writeHfFolder(folder, randomMultimodalGemma3('language_model.model').folder);
    const out = JSON.parse(execFileSync(process.execPath, ['bin/lockstep.mjs', 'lpu', 'compile', folder, '--json', '--data-dir', path.join(dir, 'data')], { env: { ...process.env, LOCKSTEP_LOG: 'silent' } }).toString());
    expect(out).toMatchObject({ architecture: 'gemma3', notice: 'Gemma3ForConditionalGeneration is a vision-language model: Lockstep runs its text model and does not use images (4 vision tensors left unread).' });
  }, 60_000);

  it('lpu run says so too: on stderr before the text, and in --json', () => {
    const folder = path.join(dir, 'mm-run');
    writeHfFolder(folder, randomMultimodalGemma3('model.language_model').folder);
    // a byte-level BPE whose ids for "ab" fall inside the toy's 320-row vocabulary
    copyFileSync(path.join(SMOLLM_TOKENIZER_DIR, 'tokenizer.json'), path.join(folder, 'tokenizer.json'));
    const notice = 'Gemma3ForConditionalGeneration is a vision-language model: Lockstep runs its text model and does not use images (4 vision tensors left unread).';
    const args = ['bin/lockstep.mjs', 'lpu', 'run', folder, '--prompt', 'ab', '--greedy', '--max-tokens', '2', '--threads', '0', '--data-dir', path.join(dir, 'data')];
    const env = { ...process.env, LOCKSTEP_LOG: 'silent' };
    const text = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    expect(text.status).toBe(0);
    expect(text.stderr.split('\n')[0]).toBe(notice);
    expect(text.stdout).not.toContain(notice);
    expect(JSON.parse(execFileSync(process.execPath, [...args, '--json'], { env }).toString())).toMatchObject({ notice, tokens: expect.any(Array) });
  }, 60_000);
});

describe('transformers v5 configs (rope_parameters instead of rope_theta, rope_scaling, rope_local_base_freq)', () => {
  const configOf = (name: string, model: ReturnType<typeof randomHfModel>, config: Record<string, unknown>) => {
    const folder = path.join(dir, name);
    writeHfFolder(folder, { ...model, config });
    return openModel(folder).config;
  };
  const without = (config: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(config).filter(([k]) => !keys.includes(k)));

  it('reads one set of parameters (Qwen3) and one per attention type (Gemma 3) as the older keys', () => {
    const qwen3 = randomHfModel('qwen3');
    const v5 = configOf('v5-qwen3', qwen3, { ...without(qwen3.config, 'rope_theta'), rope_parameters: { rope_type: 'default', rope_theta: 1e6 } });
    expect({ ...v5, name: '' }).toEqual({ ...configOf('v4-qwen3', qwen3, qwen3.config), name: '' });
    const gemma3 = randomHfModel('gemma3');
    const rope = { full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 }, sliding_attention: { rope_type: 'default', rope_theta: 10000 } };
    const v5Gemma = configOf('v5-gemma3', gemma3, { ...without(gemma3.config, 'rope_theta', 'rope_scaling', 'rope_local_base_freq'), rope_parameters: rope });
    expect(v5Gemma).toMatchObject({ ropeTheta: 1e6, ropeScale: 1 / 8, ropeThetaSwa: 10000 });
    expect({ ...v5Gemma, name: '' }).toEqual({ ...configOf('v4-gemma3', gemma3, gemma3.config), name: '' });
    // a local base of its own reaches the sliding layers (not the 10000 default)
    expect(configOf('v5-gemma3-local', gemma3, { ...without(gemma3.config, 'rope_local_base_freq'), rope_parameters: { ...rope, sliding_attention: { rope_type: 'default', rope_theta: 20000 } } }).ropeThetaSwa).toBe(20000);
    expect(() => configOf('v5-gemma3-scaled-local', gemma3, { ...gemma3.config, rope_parameters: { ...rope, sliding_attention: { rope_type: 'linear', factor: 2 } } }))
      .toThrow('The model in v5-gemma3-scaled-local scales RoPE on its sliding-window layers ("linear"); the LPU emulator scales global layers only.');
  });
});

describe('the chat template of a Hugging Face folder', () => {
  it('comes from chat_template.jinja over tokenizer_config.json, else from a processor\'s chat_template.json', () => {
    const folder = path.join(dir, 'templates');
    writeHfFolder(folder, randomHfModel('qwen3'));
    const template = () => openModel(folder).tokenizer.chatTemplate;
    expect(template()).toBeUndefined();
    writeFileSync(path.join(folder, 'chat_template.json'), JSON.stringify({ chat_template: 'from the processor' }));
    expect(template()).toBe('from the processor');
    writeFileSync(path.join(folder, 'tokenizer_config.json'), JSON.stringify({ chat_template: 'from the tokenizer config' }));
    expect(template()).toBe('from the tokenizer config');
    writeFileSync(path.join(folder, 'chat_template.jinja'), '{{ messages[0].content }}');
    expect(template()).toBe('{{ messages[0].content }}');
  });
});

describe('a folder with model.safetensors.index.json', () => {
  it('reads the files the index maps and leaves others (a Mistral repo\'s consolidated.safetensors) unread', () => {
    const folder = path.join(dir, 'indexed');
    const model = randomHfModel('qwen3');
    writeHfFolder(folder, model);
    const plain = openModel(folder);
    writeFileSync(path.join(folder, 'model.safetensors.index.json'), JSON.stringify({ weight_map: Object.fromEntries([...model.tensors.keys()].map((n) => [n, 'model.safetensors'])) }));
    writeFileSync(path.join(folder, 'consolidated.safetensors'), 'not read');
    const indexed = openModel(folder);
    expect(indexed.parameterCount).toBe(plain.parameterCount);
    expect([...indexed.weights.keys()]).toEqual([...plain.weights.keys()]);
  });
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

  it('a Qwen config that turns sliding-window attention on; the usual use_sliding_window: false loads', () => {
    const qwen3 = randomHfModel('qwen3');
    const folder = (name: string, config: Record<string, unknown>) => { const f = path.join(dir, name); writeHfFolder(f, { ...qwen3, config }); return f; };
    expect(openModel(folder('swa-off', { ...qwen3.config, use_sliding_window: false, sliding_window: 32768, max_window_layers: 28 })).config.slidingWindow).toBeUndefined();
    expect(() => openModel(folder('swa-on', { ...qwen3.config, use_sliding_window: true, sliding_window: 4096, max_window_layers: 1 })))
      .toThrow('The model in swa-on turns on sliding-window attention (use_sliding_window), which the LPU emulator runs only as Gemma 2 and 3 lay it out.');
  });

  it('an architecture it does not know, naming the ones it reads', () => {
    const reads = 'is not supported in Hugging Face folders; the LPU emulator reads Llama, Mistral (and the text model of the multimodal Mistral 3), Qwen2, Qwen3, Gemma 2, Gemma 3 (text, or the text model of the multimodal Gemma 3) and Phi-3 folders.';
    expect(refusal({ ...phi3, architectures: ['FalconForCausalLM'], model_type: 'falcon' }).message).toBe(`The model architecture "FalconForCausalLM" ${reads}`);
    // multimodal and mixture-of-experts classes say what they are, even where model_type names a supported family
    expect(refusal({ ...phi3, architectures: ['Qwen2_5_VLForConditionalGeneration'], model_type: 'qwen2_5_vl', text_config: { model_type: 'qwen2_5_vl_text' } }).message)
      .toBe(`The model architecture "Qwen2_5_VLForConditionalGeneration" (Qwen2.5-VL, a vision-language model) ${reads}`);
    expect(refusal({ ...phi3, architectures: ['Llama4ForConditionalGeneration'], model_type: 'llama4' }).message)
      .toBe(`The model architecture "Llama4ForConditionalGeneration" (Llama 4, a mixture of experts with a vision encoder) ${reads}`);
    expect(refusal({ ...phi3, architectures: ['MixtralForCausalLM'], model_type: 'mistral' }).message)
      .toBe(`The model architecture "MixtralForCausalLM" (Mixtral, a mixture of experts) ${reads}`);
  });

  it('a multimodal Gemma 3 whose config.json has no text_config', () => {
    const { folder: model } = randomMultimodalGemma3('model.language_model');
    expect(refusal({ ...model.config, text_config: undefined }).message).toMatch(/^The config\.json in refused-\w+ has no text_config, so the shape of its Gemma3ForConditionalGeneration text model is unknown\.$/);
  });

  it('a shard that model.safetensors.index.json lists but the folder lacks', () => {
    const folder = path.join(dir, 'sharded');
    writeHfFolder(folder, randomHfModel('qwen3'));
    const weightMap = { 'model.embed_tokens.weight': 'model.safetensors', 'model.norm.weight': 'model-00002-of-00002.safetensors' };
    writeFileSync(path.join(folder, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    expect(() => openModel(folder)).toThrow('The folder sharded lacks model-00002-of-00002.safetensors, which model.safetensors.index.json lists; download the whole model again.');
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
