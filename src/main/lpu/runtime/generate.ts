import { AppError } from '../../../shared/errors';
import { CLOCK_HZ, UNITS } from '../compiler/cost-model';
import { prefillCycles, type Program } from '../compiler/passes/emit';
import type { LpuTokenizer, ChatMessage } from '../tokenizer';
import { Sampler, type SamplingOptions } from './sampler';
import type { StepRunner } from './step-runner';
import { canResumeAt, kvRingOf, ringFromAfter, type KvRing } from './kv-ring';

export interface GenerateRequest {
  prompt?: string;
  messages?: ChatMessage[];
  maxTokens?: number;
  sampling?: SamplingOptions;
  stop?: string[];
  signal?: AbortSignal;
  /** The conversation this prompt continues: its KV cache is kept after the answer so a follow-up evaluates only new tokens. */
  thread?: string;
}

export interface LpuTokenEvent { index: number; tokenId: number; text: string; cycles: number; emulatedUs: number; wallUs: number }

export interface LpuGenerationResult {
  text: string;
  tokens: number[];
  promptTokens: number;
  cachedPromptTokens: number;
  stopReason: 'eos' | 'stop' | 'length' | 'aborted';
  cycles: { prefill: number; decode: number; total: number; perDecodeToken: number };
  emulatedMs: { ttft: number; total: number };
  /** ttft = queue + prefill + firstDecode: waiting for the model, evaluating the prompt (cache restore included), sampling the first token. */
  wallMs: { ttft: number; total: number; queue?: number; prefill?: number; firstDecode?: number };
  /** The kernel set that ran the steps (set by the loaded model). */
  kernels?: string;
  utilisation: { MXM: number; VXM: number; SXM: number; MEM: number; C2C: number };
  chips: number;
  sramBytesPerChip: number[];
}

const cyclesToUs = (cycles: number) => (cycles / CLOCK_HZ) * 1e6;

/** What the model's KV cache holds: the tokens fed at positions 0..length-1 (one cache per loaded model). */
export interface KvCacheState {
  tokens: Int32Array;
  length: number;
  /** With sliding-window rings (kv-ring.ts): the lowest position whose K/V they still hold (absent: 0). */
  ringFrom?: number;
}

/**
 * Leading prompt tokens whose K/V are already in the cache; at least one token is always recomputed for logits.
 * With sliding-window rings, a prefix whose window the rings no longer hold is not reusable (0: start afresh).
 */
export function reusablePrefix(kv: KvCacheState | undefined, prompt: number[], ring?: KvRing): number {
  if (!kv) return 0;
  const limit = Math.min(kv.length, prompt.length - 1);
  let n = 0;
  while (n < limit && kv.tokens[n] === prompt[n]) n++;
  return canResumeAt(ring, kv.ringFrom ?? 0, n) ? n : 0;
}

/** Marks positions pos..pos+m-1 as being written: called before the step, so a failed step leaves the state truthful. */
export function beginKvStep(kv: KvCacheState, ring: KvRing | undefined, pos: number, m: number): void {
  kv.length = pos;
  kv.ringFrom = pos === 0 ? ringFromAfter(ring, 0, m) : ringFromAfter(ring, kv.ringFrom ?? 0, pos + m);
}

/** Prompt ids: the chat template when messages are given, else the raw prompt, BOS as the model wants. */
export function promptTokens(tokenizer: LpuTokenizer, req: GenerateRequest): number[] {
  if (req.messages?.length) return tokenizer.encode(tokenizer.applyChatTemplate(req.messages, { addGenerationPrompt: true }), { addBos: false });
  return tokenizer.encode(req.prompt ?? '');
}

/** The generation loop: chunked prefill, then one decode step per token, metered in emulated cycles. */
export async function generate(
  program: Program, runner: StepRunner, logits: Float32Array, tokenizer: LpuTokenizer,
  req: GenerateRequest, onToken?: (ev: LpuTokenEvent) => void, kv?: KvCacheState,
): Promise<LpuGenerationResult> {
  const t0 = performance.now();
  const prompt = promptTokens(tokenizer, req);
  if (prompt.length === 0) throw new AppError('invalid_request', 'The prompt is empty; give a prompt or messages.');
  const bucket = program.bucket;
  if (prompt.length >= bucket) {
    throw new AppError('prompt_too_long', `The prompt is ${prompt.length} tokens but this model was compiled for a ${bucket}-token context; shorten it or load the model with a larger bucket.`);
  }
  const maxTokens = Math.min(req.maxTokens ?? 256, bucket - prompt.length);
  const sampler = new Sampler(program.config.vocabSize, req.sampling ?? {});
  const history = new Int32Array(bucket);
  history.set(prompt);
  let length = prompt.length;
  const stops = (req.stop ?? []).filter((s) => s.length > 0);
  const holdBack = stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
  const decoder = new TextDecoder('utf-8');
  const eos = new Set(tokenizer.eosTokenIds);

  // Prefill in static chunks of program.rows after the prefix whose K/V the cache already holds.
  const ring = kvRingOf(program);
  const cached = reusablePrefix(kv, prompt, ring);
  if (kv) kv.length = cached; // from here on the cache is rewritten; keep it truthful if a step fails
  const stepIds = new Int32Array(program.rows);
  for (let pos = cached; pos < prompt.length; pos += program.rows) {
    const m = Math.min(program.rows, prompt.length - pos);
    for (let i = 0; i < m; i++) stepIds[i] = prompt[pos + i]!;
    if (kv) beginKvStep(kv, ring, pos, m);
    await runner.step(stepIds, m, pos);
    if (kv) { kv.tokens.set(prompt.slice(pos, pos + m), pos); kv.length = pos + m; }
  }
  const prefill = prefillCycles(program, prompt.length - cached);
  const prefillWall = performance.now() - t0;

  const generated: number[] = [];
  let text = '';
  let emitted = 0;
  let stopReason: LpuGenerationResult['stopReason'] = 'length';
  let decodeCycles = 0;
  let ttftWall = 0;
  let lastWall = performance.now();
  const flush = (final: boolean, index: number, tokenId: number, cycles: number) => {
    const upTo = final ? text.length : Math.max(emitted, text.length - holdBack);
    const delta = text.slice(emitted, upTo);
    emitted = upTo;
    const now = performance.now();
    onToken?.({ index, tokenId, text: delta, cycles, emulatedUs: cyclesToUs(cycles), wallUs: Math.round((now - lastWall) * 1000) });
    lastWall = now;
  };

  while (generated.length < maxTokens) {
    if (req.signal?.aborted) { stopReason = 'aborted'; break; }
    const tokenCycles = generated.length === 0 ? prefill : program.cycles.perDecodeToken;
    if (generated.length > 0) {
      stepIds[0] = generated[generated.length - 1]!;
      if (kv) beginKvStep(kv, ring, length - 1, 1);
      await runner.step(stepIds, 1, length - 1);
      if (kv) { kv.tokens[length - 1] = stepIds[0]!; kv.length = length; }
      decodeCycles += tokenCycles;
    }
    const id = sampler.sample(logits, history, length);
    if (generated.length === 0) ttftWall = performance.now() - t0;
    if (eos.has(id)) { stopReason = 'eos'; break; }
    generated.push(id);
    history[length++] = id;
    text += decoder.decode(tokenizer.tokenBytes(id), { stream: true });
    const hit = stops.map((s) => text.indexOf(s, Math.max(0, emitted - s.length))).filter((i) => i >= 0);
    if (hit.length) {
      text = text.slice(0, Math.min(...hit));
      emitted = Math.min(emitted, text.length);
      flush(true, generated.length - 1, id, tokenCycles);
      stopReason = 'stop';
      break;
    }
    flush(false, generated.length - 1, id, tokenCycles);
    if (length >= bucket) break;
    // Let abort signals and other I/O run between tokens.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (stopReason !== 'stop') {
    text += decoder.decode();
    if (emitted < text.length) flush(true, generated.length - 1, generated[generated.length - 1] ?? -1, 0);
  }
  const wallTotal = performance.now() - t0;
  const total = prefill + decodeCycles;
  const steps = Math.ceil((prompt.length - cached) / program.rows) + Math.max(0, generated.length - 1);
  const utilisation = Object.fromEntries(UNITS.map((u) => [
    u, steps ? (program.utilisation.prefill[u] * prefill + program.utilisation.decode[u] * decodeCycles) / Math.max(1, total) : 0,
  ])) as LpuGenerationResult['utilisation'];
  return {
    text,
    tokens: generated,
    promptTokens: prompt.length,
    cachedPromptTokens: cached,
    stopReason,
    cycles: { prefill, decode: decodeCycles, total, perDecodeToken: program.cycles.perDecodeToken },
    emulatedMs: { ttft: cyclesToUs(prefill) / 1000, total: cyclesToUs(total) / 1000 },
    wallMs: { ttft: ttftWall, total: wallTotal, queue: 0, prefill: prefillWall, firstDecode: Math.max(0, ttftWall - prefillWall) },
    utilisation,
    chips: program.partitioning.chips,
    sramBytesPerChip: program.memory.bytesPerChip,
  };
}
