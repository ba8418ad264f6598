import type { z } from 'zod';
import type { reasoningEffort } from '../../shared/contract/chat';

// What a Groq model can do, recognised by its id: its own module so the client (groq.ts) and the listing
// (groq-models.ts, which uses the client) both read it without importing each other.

export type ReasoningEffort = z.infer<typeof reasoningEffort>;

/** How a model reports its thinking: a separate `reasoning` field asked for with reasoning_format or include_reasoning. */
export type ReasoningStyle = 'reasoning_format' | 'include_reasoning' | null;

export interface GroqModelTraits {
  /** Can answer a chat question (not speech-to-text, TTS, a guard or an agentic tool system). */
  chat: boolean;
  reasoning: ReasoningStyle;
  efforts: ReasoningEffort[];
}

// Groq's listing says nothing about modalities or reasoning, so the families are recognised by id.
const NOT_CHAT = /whisper|tts|playai|orpheus|guard|compound/i;

export function groqModelTraits(id: string): GroqModelTraits {
  if (NOT_CHAT.test(id)) return { chat: false, reasoning: null, efforts: [] };
  // gpt-oss takes include_reasoning (reasoning_format is rejected) and efforts low/medium/high.
  if (/gpt-oss/i.test(id)) return { chat: true, reasoning: 'include_reasoning', efforts: ['low', 'medium', 'high'] };
  // qwen3-32b switches thinking on or off; the later qwen3.x models also take low/medium/high.
  if (/qwen3\.\d/i.test(id)) return { chat: true, reasoning: 'reasoning_format', efforts: ['none', 'default', 'low', 'medium', 'high'] };
  if (/qwen3/i.test(id)) return { chat: true, reasoning: 'reasoning_format', efforts: ['none', 'default'] };
  if (/deepseek-r1|qwq/i.test(id)) return { chat: true, reasoning: 'reasoning_format', efforts: [] };
  return { chat: true, reasoning: null, efforts: [] };
}

