import { z } from 'zod';

// OpenAI-compatible servers the user added (Ollama, LM Studio, llama.cpp's server, vLLM, Lockstep's own local API).
// Only these URLs are ever contacted for them; their API keys live with the other secrets, never in settings.

/** Common local servers and the address each listens on by default. */
export const OPENAI_SERVER_PRESETS = [
  { id: 'ollama', name: 'Ollama', baseURL: 'http://127.0.0.1:11434/v1' },
  { id: 'lm-studio', name: 'LM Studio', baseURL: 'http://127.0.0.1:1234/v1' },
  { id: 'llama-cpp', name: 'llama.cpp server', baseURL: 'http://127.0.0.1:8080/v1' },
] as const;

/**
 * The base URL as stored: http(s) only, no credentials in it (the key has its own field), no query or fragment,
 * no trailing slash, and `/v1` added when only a host was typed. Null when the text is no such URL.
 */
export function normaliseBaseURL(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) return null;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path || '/v1'}`;
}

export const openAiBaseURL = z
  .string()
  .trim()
  .max(500)
  .transform((text, ctx) => {
    const url = normaliseBaseURL(text);
    if (!url) ctx.addIssue({ code: 'custom', message: 'Enter the server address as http://host:port/v1 (no user name or password in it).' });
    return url ?? '';
  });

export const openAiServerConfig = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/),
  name: z.string().trim().min(1).max(100),
  /** Stored normalised: the same check as when it was typed, so settings.update cannot slip in another scheme. */
  baseURL: z
    .string()
    .max(500)
    .refine((url) => normaliseBaseURL(url) === url, 'Enter the server address as http://host:port/v1.'),
  model: z.string().min(1).max(500),
  /** Tokens the model can attend to, from the server's listing when it says (else a conservative default). */
  contextTokens: z.number().int().min(512).max(10_000_000).nullable().default(null),
});
export type OpenAiServerConfig = z.infer<typeof openAiServerConfig>;
