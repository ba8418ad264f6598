import type { GenerationResult } from '../providers/provider';

// OpenAI chat-completion shapes, with Groq's x_groq.usage timings: for the emulator these are emulated seconds
// (the LPU's own prefill and decode time), so Groq clients show what the chip would take.

export function usageOf(result: GenerationResult) {
  const m = result.meters;
  if (m.provider === 'lpu') {
    const promptTime = m.emulatedMs.ttft / 1000;
    const completionTime = (m.emulatedMs.total - m.emulatedMs.ttft) / 1000;
    return {
      prompt_tokens: m.promptTokens,
      completion_tokens: m.completionTokens,
      total_tokens: m.promptTokens + m.completionTokens,
      queue_time: 0,
      prompt_time: promptTime,
      completion_time: completionTime,
      total_time: promptTime + completionTime,
    };
  }
  const prompt = m.provider === 'groq' ? (m.promptTokens ?? 0) : 0;
  const completion = m.provider === 'groq' ? (m.completionTokens ?? 0) : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function completionResponse(id: string, created: number, model: string, result: GenerationResult) {
  const usage = usageOf(result);
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: result.text }, finish_reason: result.stopReason === 'length' ? 'length' : 'stop' }],
    usage,
    x_groq: { id, usage },
  };
}

export function completionChunk(id: string, created: number, model: string, delta: { role?: 'assistant'; content?: string }, finishReason: 'stop' | 'length' | null) {
  return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] };
}
