import type { LpuMeters } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import type { LpuGenerationResult, LpuModel } from '../lpu/index';
import type { ChatProvider, GenerationRequest, GenerationResult, ProviderEvent } from './provider';
import { ThinkTagSplitter } from './think-tags';

/** The part of a loaded emulator model that answering uses (tests may hand in a lighter one). */
export type LpuModelHandle = Pick<LpuModel, 'info' | 'tokenizer' | 'generate' | 'dispose'> & Partial<Pick<LpuModel, 'prefixCache' | 'cachePrefix'>>;

/** `singleWorker` loads the model on one worker thread (the degradation chain's CPU channel) instead of all of them. */
export type LoadLpuModel = (modelPath: string, options?: { singleWorker?: boolean }) => Promise<LpuModelHandle> | LpuModelHandle;

export function lpuMeters(result: LpuGenerationResult, sramCapacityPerChip?: number, kernels?: string, utilisationPerChip?: Record<string, number>[]): LpuMeters {
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
    wallMs: { ttft: result.wallMs.ttft, total: result.wallMs.total },
    // Retrieval happens before the provider runs; the answer pipeline fills it in.
    ttftSplitMs: { queue: result.wallMs.queue ?? 0, retrieval: 0, prefill: result.wallMs.prefill ?? result.wallMs.ttft, firstDecode: result.wallMs.firstDecode ?? 0 },
    kernels: result.kernels ?? kernels,
    // Decode rate: tokens after the first over the time after the first token.
    emulatedTokensPerSecond: perSecond(result.emulatedMs.total - result.emulatedMs.ttft),
    wallTokensPerSecond: perSecond(result.wallMs.total - result.wallMs.ttft),
    utilisation: { ...result.utilisation },
    chips: result.chips,
    sramBytesPerChip: [...result.sramBytesPerChip],
    sramCapacityPerChip,
    ...(utilisationPerChip ? { utilisationPerChip: utilisationPerChip.map((units) => ({ ...units })) } : {}),
  };
}

export class LpuProvider implements ChatProvider {
  readonly id = 'lpu';
  readonly contextTokens: number;
  readonly turnOverheadTokens: number;

  constructor(
    readonly model: string,
    private readonly handle: LpuModelHandle,
  ) {
    // The compiled bucket, not the trained context: prompt plus answer must fit the static program.
    this.contextTokens = handle.info.bucket;
    const framed = handle.tokenizer.applyChatTemplate([{ role: 'system', content: '' }, { role: 'user', content: '' }], { addGenerationPrompt: true });
    this.turnOverheadTokens = Math.ceil(handle.tokenizer.encode(framed, { addBos: false }).length / 2) + 1;
  }

  countTokens(text: string): number {
    return this.handle.tokenizer.encode(text).length;
  }

  async generate(request: GenerationRequest, onEvent: (event: ProviderEvent) => void): Promise<GenerationResult> {
    const temperature = request.temperature ?? 0.7;
    let result: LpuGenerationResult;
    // Reasoning models (DeepSeek-R1 distills, Qwen3) think inline in <think> tags: that text is reasoning, not answer.
    const splitter = new ThinkTagSplitter();
    let text = '';
    let reasoning = '';
    const emit = (part: { reasoning: string; content: string }, token?: Extract<ProviderEvent, { type: 'delta' }>['token']) => {
      if (part.reasoning) {
        reasoning += part.reasoning;
        onEvent({ type: 'reasoning', text: part.reasoning });
      }
      text += part.content;
      // Every token keeps its meter, thinking included, so the latency chart has no gaps.
      if (token || part.content) onEvent({ type: 'delta', text: part.content, token });
    };
    try {
      result = await this.handle.generate(
        {
          messages: request.messages,
          maxTokens: request.maxTokens,
          sampling: temperature === 0 ? { greedy: true, temperature: 0 } : { temperature, topP: 0.9, repetitionPenalty: 1.1, seed: 0 },
          signal: request.signal,
          thread: request.thread,
        },
        (token) => emit(splitter.push(token.text), { index: token.index, cycles: token.cycles, emulatedUs: token.emulatedUs, wallUs: token.wallUs }),
      );
      emit(splitter.flush());
    } catch (error) {
      if (request.signal.aborted) throw new AppError('cancelled', 'Cancelled.', error);
      if (error instanceof AppError) throw error;
      throw new AppError('lpu_failed', 'The local model stopped while answering. Try again; the details are in the log.', error);
    }
    const meters = lpuMeters(result, this.handle.info.sramCapacityPerChip, this.handle.info.kernels, this.handle.info.unitUtilisationPerChip);
    onEvent({ type: 'meters', meters });
    if (result.stopReason === 'aborted' || request.signal.aborted) throw new AppError('cancelled', 'Cancelled.');
    const stopReason = result.stopReason === 'length' ? 'length' : 'stop';
    return { text, reasoning: reasoning || undefined, stopReason, meters };
  }
}
