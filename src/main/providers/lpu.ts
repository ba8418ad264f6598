import type { LpuMeters } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import type { ChatProvider, ChatTurn, GenerationRequest, GenerationResult, ProviderEvent } from './provider';

// The slice of the LPU emulator's public API (src/main/lpu/index.ts, loadLpuModel) that answering uses.

export interface LpuTokenEvent {
  index: number;
  tokenId: number;
  text: string;
  cycles: number;
  emulatedUs: number;
  wallUs: number;
}

export interface LpuGeneration {
  text: string;
  tokens: number[];
  promptTokens: number;
  cachedPromptTokens: number;
  stopReason: string;
  cycles: { prefill: number; decode: number; total: number; perDecodeToken: number };
  emulatedMs: { ttft: number; total: number };
  wallMs: { ttft: number; total: number };
  utilisation: Record<string, number>;
  chips: number;
}

export interface LpuModelHandle {
  info: object;
  tokenizer: { encode(text: string): ArrayLike<number> };
  generate(
    request: { messages?: ChatTurn[]; prompt?: string; maxTokens?: number; sampling?: object; stop?: string[]; signal?: AbortSignal },
    onToken?: (event: LpuTokenEvent) => void,
  ): Promise<LpuGeneration>;
  dispose(): void | Promise<void>;
}

export type LoadLpuModel = (modelPath: string) => Promise<LpuModelHandle> | LpuModelHandle;

/** The compiled context bucket or the model's trained context, whichever the emulator reports. */
export function lpuContextTokens(info: object): number {
  const record = info as Record<string, unknown>;
  for (const key of ['contextTokens', 'contextLength', 'maxSeqLen', 'bucket', 'contextBucket']) {
    if (typeof record[key] === 'number' && record[key] > 0) return record[key];
  }
  const config = record.config as Record<string, unknown> | undefined;
  for (const key of ['contextLength', 'maxSeqLen', 'max_position_embeddings']) {
    if (config && typeof config[key] === 'number' && config[key] > 0) return config[key];
  }
  return 2048;
}

export function lpuMeters(result: LpuGeneration): LpuMeters {
  const completionTokens = result.tokens.length;
  const decodeTokens = Math.max(0, completionTokens - 1);
  const perSecond = (ms: number) => (ms > 0 ? (decodeTokens * 1000) / ms : 0);
  return {
    provider: 'lpu',
    promptTokens: result.promptTokens,
    cachedPromptTokens: result.cachedPromptTokens,
    completionTokens,
    cycles: result.cycles,
    emulatedMs: result.emulatedMs,
    wallMs: result.wallMs,
    // Decode rate: tokens after the first over the time after the first token.
    emulatedTokensPerSecond: perSecond(result.emulatedMs.total - result.emulatedMs.ttft),
    wallTokensPerSecond: perSecond(result.wallMs.total - result.wallMs.ttft),
    utilisation: result.utilisation,
    chips: result.chips,
  };
}

export class LpuProvider implements ChatProvider {
  readonly id = 'lpu';
  readonly contextTokens: number;

  constructor(
    readonly model: string,
    private readonly handle: LpuModelHandle,
  ) {
    this.contextTokens = lpuContextTokens(handle.info);
  }

  countTokens(text: string): number {
    return this.handle.tokenizer.encode(text).length;
  }

  async generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    const temperature = request.temperature ?? 0.7;
    let result: LpuGeneration;
    try {
      result = await this.handle.generate(
        {
          messages: request.messages,
          maxTokens: request.maxTokens,
          sampling: temperature === 0 ? { greedy: true, temperature: 0 } : { temperature, topP: 0.9, repetitionPenalty: 1.1, seed: 0 },
          signal: request.signal,
        },
        (token) =>
          onEvent({ type: 'delta', text: token.text, token: { index: token.index, cycles: token.cycles, emulatedUs: token.emulatedUs, wallUs: token.wallUs } }),
      );
    } catch (error) {
      if (request.signal.aborted) throw new AppError('cancelled', 'Cancelled.', error);
      if (error instanceof AppError) throw error;
      throw new AppError('lpu_failed', 'The local model stopped while answering. Try again; the details are in the log.', error);
    }
    const meters = lpuMeters(result);
    onEvent({ type: 'meters', meters });
    const stopReason = request.signal.aborted ? 'cancelled' : result.stopReason === 'length' || result.stopReason === 'max_tokens' ? 'length' : 'stop';
    return { text: result.text, stopReason, meters };
  }
}
