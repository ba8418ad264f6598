import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Template } from '@huggingface/jinja';
import { AppError } from '../../../shared/errors';
import type { TokenizerSpec } from '../loader/model-source';
import { SpmTokenizer, TOKEN_TYPE } from './spm';
import { bpeTokenizerJson } from './gguf-bpe';

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

interface HfLikeTokenizer {
  encode(text: string, opts: { add_special_tokens: boolean }): { ids: number[] };
  decode(ids: number[], opts: { skip_special_tokens: boolean }): string;
}

function fromGgufSpm(md: Map<string, unknown>, chatTemplate: string | undefined): LpuTokenizer {
  const tokens = md.get('tokenizer.ggml.tokens') as string[];
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
    eosTokenIds: eosIds(md, eos),
    bosTokenId: bos,
    addBosByDefault: addBos,
    tokenBytes: (id) => spm.tokenBytes(id),
  };
}

function eosIds(md: Map<string, unknown>, eos: number | undefined): number[] {
  const ids = new Set<number>();
  if (eos !== undefined) ids.add(eos);
  const eot = md.get('tokenizer.ggml.eot_token_id');
  if (typeof eot === 'number') ids.add(eot);
  return [...ids];
}

async function fromHfJson(json: Record<string, unknown>, config: Record<string, unknown>, chatTemplate: string | undefined): Promise<LpuTokenizer> {
  // The standalone tokenizers.js (what transformers.js wraps): importing transformers.js would also map
  // onnxruntime and sharp, ~165 MB of resident set a tokenizer does not need.
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const hf: HfLikeTokenizer = new Tokenizer(json, config);
  const added = (json.added_tokens as { id: number; content: string; special?: boolean }[] | undefined) ?? [];
  const idOf = (t: unknown) => (typeof t === 'string' ? added.find((a) => a.content === t)?.id : undefined);
  const tokenText = (t: unknown) => (typeof t === 'string' ? t : t && typeof t === 'object' && 'content' in t ? String((t as { content: string }).content) : '');
  const bosText = tokenText(config.bos_token);
  const eosText = tokenText(config.eos_token);
  const bos = idOf(bosText);
  const eos = idOf(eosText);
  const addBos = config.add_bos_token === true;
  const special = new Set(added.filter((a) => a.special).map((a) => a.id));
  const render = chatTemplateRenderer(chatTemplate ?? (typeof config.chat_template === 'string' ? config.chat_template : undefined), bosText, eosText);
  const eosList = [eos, idOf('<|im_end|>'), idOf('<|eot_id|>'), idOf('<|endoftext|>')].filter((x): x is number => x !== undefined);
  return {
    encode: (text, opts) => [...((opts?.addBos ?? addBos) && bos !== undefined ? [bos] : []), ...hf.encode(text, { add_special_tokens: false }).ids],
    decode: (ids) => hf.decode(ids, { skip_special_tokens: true }),
    applyChatTemplate: render,
    eosTokenIds: [...new Set(eosList)],
    bosTokenId: bos,
    addBosByDefault: addBos,
    tokenBytes: tokenBytesFor(json, special, (id) => hf.decode([id], { skip_special_tokens: true })),
  };
}

/**
 * Output bytes per token for streaming. Byte-level BPE vocabularies spell bytes as GPT-2's printable code points,
 * so a token maps to exact bytes even when it ends mid UTF-8 character; other models decode the token alone.
 */
function tokenBytesFor(json: Record<string, unknown>, special: Set<number>, decodeOne: (id: number) => string): (id: number) => Uint8Array {
  const empty = new Uint8Array(0);
  const isByteLevel = JSON.stringify(json.decoder ?? '').includes('"ByteLevel"');
  const vocab = (json.model as { vocab?: Record<string, number> } | undefined)?.vocab;
  if (!isByteLevel || !vocab || Array.isArray(vocab)) {
    return (id) => (special.has(id) ? empty : new TextEncoder().encode(decodeOne(id)));
  }
  // All tokens' bytes packed in one buffer (start/end per id): 49k small Uint8Arrays cost ~12 MB of heap.
  const byteOf = gpt2UnicodeToByte();
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
      const b = byteOf.get(ch.codePointAt(0)!);
      if (b === undefined) { byteLevel = false; break; }
      packed[at++] = b;
    }
    if (!byteLevel) at = used + encoder.encodeInto(key, packed.subarray(used)).written;
    start[id] = used; end[id] = at; used = at;
  }
  packed = packed.slice(0, used);
  return (id) => (special.has(id) ? empty : start[id] !== undefined && start[id]! >= 0 ? packed.subarray(start[id], end[id]) : encoder.encode(decodeOne(id)));
}

/** Inverse of GPT-2's bytes_to_unicode: printable code point → byte. */
function gpt2UnicodeToByte(): Map<number, number> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const map = new Map<number, number>(bytes.map((b) => [b, b]));
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bytes.includes(b)) map.set(256 + n++, b);
  return map;
}

/** Builds the tokenizer for a model from its GGUF metadata or its Hugging Face folder. */
export async function createTokenizer(spec: TokenizerSpec): Promise<LpuTokenizer> {
  if (spec.kind === 'gguf') {
    const md = spec.metadata!;
    const model = String(md.get('tokenizer.ggml.model') ?? '');
    if (model === 'llama') return fromGgufSpm(md, spec.chatTemplate);
    if (model === 'gpt2') {
      const { json, config } = bpeTokenizerJson(md);
      return fromHfJson(json, config, spec.chatTemplate);
    }
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
