import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Template } from '@huggingface/jinja';
import { AppError } from '../../../shared/errors';
import type { TokenizerSpec } from '../loader/model-source';
import { materialised, type StringList } from '../loader/gguf';
import { SpmTokenizer, TOKEN_TYPE } from './spm';
import { byteBpeFromTokenizerJson, byteOfChar } from './byte-bpe';
import { bpeTokenizerJson, byteBpeFromGguf, ggufAddedTokens } from './gguf-bpe';

export interface ChatMessage { role: 'system' | 'user' | 'assistant'; content: string }

/** The tokenizer the runtime and the public API use, whatever the model's vocabulary kind. */
export interface LpuTokenizer {
  encode(text: string, opts?: { addBos?: boolean }): number[];
  decode(ids: number[]): string;
  applyChatTemplate(messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string;
  eosTokenIds: number[];
  bosTokenId: number | undefined;
  /** Whether encode() adds BOS by default (the model's add_bos_token). */
  addBosByDefault: boolean;
  /** UTF-8 bytes a token contributes to output text, for streaming deltas. */
  tokenBytes(id: number): Uint8Array;
}

/** ChatML, used when a model ships no chat template. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

function chatTemplateRenderer(source: string | undefined, bos: string, eos: string) {
  const template = new Template(source ?? CHATML_TEMPLATE);
  return (messages: ChatMessage[], opts?: { addGenerationPrompt?: boolean }) =>
    template.render({ messages, add_generation_prompt: opts?.addGenerationPrompt ?? true, bos_token: bos, eos_token: eos });
}

function fromGgufSpm(md: Map<string, unknown>, chatTemplate: string | undefined): LpuTokenizer {
  const tokens = materialised(md.get('tokenizer.ggml.tokens') as StringList); // SentencePiece keeps its pieces as strings
  const spm = new SpmTokenizer({
    tokens,
    scores: (md.get('tokenizer.ggml.scores') as number[] | undefined) ?? tokens.map(() => 0),
    types: (md.get('tokenizer.ggml.token_type') as number[] | undefined) ?? tokens.map(() => TOKEN_TYPE.normal),
    addSpacePrefix: (md.get('tokenizer.ggml.add_space_prefix') as boolean | undefined) ?? true,
  });
  const bos = md.get('tokenizer.ggml.bos_token_id') as number | undefined;
  const eos = md.get('tokenizer.ggml.eos_token_id') as number | undefined;
  const addBos = (md.get('tokenizer.ggml.add_bos_token') as boolean | undefined) ?? true;
  const render = chatTemplateRenderer(chatTemplate, bos !== undefined ? tokens[bos]! : '', eos !== undefined ? tokens[eos]! : '');
  return {
    encode: (text, opts) => [...((opts?.addBos ?? addBos) && bos !== undefined ? [bos] : []), ...spm.encode(text)],
    decode: (ids) => spm.decode(ids),
    applyChatTemplate: render,
    eosTokenIds: eosIds(md, eos, specialTokenIndex(tokens, md.get('tokenizer.ggml.token_type') as number[] | undefined)),
    bosTokenId: bos,
    addBosByDefault: addBos,
    tokenBytes: (id) => spm.tokenBytes(id),
  };
}

/**
 * Texts of the tokens that end a turn in the chat templates of the families we run, which llama.cpp also treats as
 * end of generation (its vocabulary loader matches the same texts): Llama 3's eot/eom, ChatML's im_end, Gemma's
 * end_of_turn, Phi-3's end, and the end-of-text markers.
 */
export const END_OF_GENERATION_TEXTS = ['<|eot_id|>', '<|eom_id|>', '<|end_of_text|>', '<|im_end|>', '<|endoftext|>', '<end_of_turn>', '<|end|>', '<EOT>'];

/** EOS, the file's eot/eom ids, and every special token spelled as an end of generation. */
function eosIds(md: Map<string, unknown>, eos: number | undefined, specialIdOf: (text: string) => number | undefined): number[] {
  const ids = new Set<number>();
  if (eos !== undefined) ids.add(eos);
  for (const key of ['tokenizer.ggml.eot_token_id', 'tokenizer.ggml.eom_token_id']) {
    const id = md.get(key);
    if (typeof id === 'number') ids.add(id);
  }
  for (const text of END_OF_GENERATION_TEXTS) {
    const id = specialIdOf(text);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

/** Ids of control and user-defined tokens by text (never ordinary pieces that happen to look alike). */
function specialTokenIndex(tokens: ArrayLike<string>, types: ArrayLike<number> | undefined): (text: string) => number | undefined {
  const wanted = new Set(END_OF_GENERATION_TEXTS);
  const found = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) {
    const type = types?.[i];
    if (wanted.has(tokens[i]!) && (type === TOKEN_TYPE.control || type === TOKEN_TYPE.userDefined) && !found.has(tokens[i]!)) found.set(tokens[i]!, i);
  }
  return (text) => found.get(text);
}

/** The engine under a BPE tokenizer: byte-bpe.ts, or tokenizers.js for vocabularies it does not reproduce. */
interface BpeEngine {
  encode(text: string): number[];
  /** Special tokens skipped. */
  decode(ids: number[]): string;
  tokenBytes(id: number): Uint8Array;
}

/** BOS/EOS resolved by their text among the added tokens, as for any tokenizer.json. */
interface BpeSpecialTokens {
  added: { id: number; content: string }[];
  bosText: string;
  eosText: string;
  addBos: boolean;
  chatTemplate: string | undefined;
}

function fromBpeEngine(engine: BpeEngine, specials: BpeSpecialTokens): LpuTokenizer {
  const { added, bosText, eosText, addBos } = specials;
  const idOf = (text: string) => added.find((a) => a.content === text)?.id;
  const bos = idOf(bosText);
  const eosList = [idOf(eosText), ...END_OF_GENERATION_TEXTS.map(idOf)].filter((x): x is number => x !== undefined);
  const render = chatTemplateRenderer(specials.chatTemplate, bosText, eosText);
  return {
    encode: (text, opts) => [...((opts?.addBos ?? addBos) && bos !== undefined ? [bos] : []), ...engine.encode(text)],
    decode: (ids) => engine.decode(ids),
    applyChatTemplate: render,
    eosTokenIds: [...new Set(eosList)],
    bosTokenId: bos,
    addBosByDefault: addBos,
    tokenBytes: (id) => engine.tokenBytes(id),
  };
}

/** tokenizer.json's added tokens, BOS/EOS and template from tokenizer_config. */
function hfSpecialTokens(json: Record<string, unknown>, config: Record<string, unknown>, chatTemplate: string | undefined): BpeSpecialTokens {
  const tokenText = (t: unknown) => (typeof t === 'string' ? t : t && typeof t === 'object' && 'content' in t ? String((t as { content: string }).content) : '');
  return {
    added: (json.added_tokens as { id: number; content: string }[] | undefined) ?? [],
    bosText: tokenText(config.bos_token),
    eosText: tokenText(config.eos_token),
    addBos: config.add_bos_token === true,
    chatTemplate: chatTemplate ?? (typeof config.chat_template === 'string' ? config.chat_template : undefined),
  };
}

async function tokenizersJsEngine(json: Record<string, unknown>, config: Record<string, unknown>): Promise<BpeEngine> {
  // The standalone tokenizers.js (what transformers.js wraps): importing transformers.js would also map
  // onnxruntime and sharp, ~165 MB of resident set a tokenizer does not need.
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const hf = new Tokenizer(json, config);
  const added = (json.added_tokens as { id: number; special?: boolean }[] | undefined) ?? [];
  const special = new Set(added.filter((a) => a.special).map((a) => a.id));
  const decode = (ids: number[]) => (ids.length === 0 ? '' : hf.decode(ids, { skip_special_tokens: true }));
  return {
    encode: (text) => hf.encode(text, { add_special_tokens: false }).ids,
    decode,
    tokenBytes: tokenBytesFor(json, special, (id) => decode([id])),
  };
}

/** A Hugging Face folder's BPE: byte-bpe.ts when it reproduces the tokenizer.json exactly, else tokenizers.js. */
async function fromHfJson(json: Record<string, unknown>, config: Record<string, unknown>, chatTemplate: string | undefined): Promise<LpuTokenizer> {
  const specials = hfSpecialTokens(json, config, chatTemplate);
  return fromBpeEngine(byteBpeFromTokenizerJson(json, config) ?? (await tokenizersJsEngine(json, config)), specials);
}

/** A GGUF gpt2 vocabulary, read into typed arrays without a tokenizer.json in between. */
async function fromGgufBpe(md: Map<string, unknown>, chatTemplate: string | undefined): Promise<LpuTokenizer> {
  const tokens = md.get('tokenizer.ggml.tokens') as StringList;
  const bos = md.get('tokenizer.ggml.bos_token_id') as number | undefined;
  const eos = md.get('tokenizer.ggml.eos_token_id') as number | undefined;
  const specials: BpeSpecialTokens = {
    added: ggufAddedTokens(md),
    bosText: bos !== undefined ? tokens.at(bos) ?? '' : '',
    eosText: eos !== undefined ? tokens.at(eos) ?? '' : '',
    addBos: (md.get('tokenizer.ggml.add_bos_token') as boolean | undefined) ?? false,
    chatTemplate,
  };
  const engine = byteBpeFromGguf(md);
  if (engine) return fromBpeEngine(engine, specials);
  const { json, config } = bpeTokenizerJson(md);
  return fromBpeEngine(await tokenizersJsEngine(json, config), specials);
}

/**
 * Output bytes per token for streaming (tokenizers.js engine). Byte-level BPE vocabularies spell bytes as GPT-2's
 * printable code points, so a token maps to exact bytes even when it ends mid UTF-8 character; other models decode the token alone.
 */
function tokenBytesFor(json: Record<string, unknown>, special: Set<number>, decodeOne: (id: number) => string): (id: number) => Uint8Array {
  const empty = new Uint8Array(0);
  const isByteLevel = JSON.stringify(json.decoder ?? '').includes('"ByteLevel"');
  const vocab = (json.model as { vocab?: Record<string, number> } | undefined)?.vocab;
  if (!isByteLevel || !vocab || Array.isArray(vocab)) {
    return (id) => (special.has(id) ? empty : new TextEncoder().encode(decodeOne(id)));
  }
  // All tokens' bytes packed in one buffer (start/end per id): 49k small Uint8Arrays cost ~12 MB of heap.
  const encoder = new TextEncoder();
  let ids = 0;
  for (const key in vocab) ids = Math.max(ids, vocab[key]! + 1);
  const start = new Int32Array(ids).fill(-1), end = new Int32Array(ids);
  let packed = new Uint8Array(1 << 20), used = 0;
  for (const key in vocab) {
    const id = vocab[key]!;
    if (packed.length - used < key.length * 4) { const grown = new Uint8Array(packed.length * 2 + key.length * 4); grown.set(packed.subarray(0, used)); packed = grown; }
    let at = used, byteLevel = true;
    for (const ch of key) {
      const b = byteOfChar(ch.codePointAt(0)!);
      if (b < 0) { byteLevel = false; break; }
      packed[at++] = b;
    }
    if (!byteLevel) at = used + encoder.encodeInto(key, packed.subarray(used)).written;
    start[id] = used; end[id] = at; used = at;
  }
  packed = packed.slice(0, used);
  return (id) => (special.has(id) ? empty : start[id] !== undefined && start[id]! >= 0 ? packed.subarray(start[id], end[id]) : encoder.encode(decodeOne(id)));
}

/** Builds the tokenizer for a model from its GGUF metadata or its Hugging Face folder. */
export async function createTokenizer(spec: TokenizerSpec): Promise<LpuTokenizer> {
  if (spec.kind === 'gguf') {
    const md = spec.metadata!;
    const model = String(md.get('tokenizer.ggml.model') ?? '');
    if (model === 'llama') return fromGgufSpm(md, spec.chatTemplate);
    if (model === 'gpt2') return fromGgufBpe(md, spec.chatTemplate);
    throw new AppError('unsupported_model', `This GGUF model's tokenizer kind "${model || 'none'}" is not supported; Lockstep reads SentencePiece ("llama") and BPE ("gpt2") vocabularies.`);
  }
  const folder = spec.folder!;
  const jsonPath = path.join(folder, 'tokenizer.json');
  if (!existsSync(jsonPath)) {
    throw new AppError('unsupported_model', `The model folder ${folder} has no tokenizer.json; add it next to config.json.`);
  }
  const configPath = path.join(folder, 'tokenizer_config.json');
  const config = existsSync(configPath) ? (JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>) : {};
  return fromHfJson(JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>, config, spec.chatTemplate);
}
