import { describe, expect, it } from 'vitest';
import { GET_A_MODEL } from '../../../src/main/chat/extractive';
import { forCli } from '../../../src/main/cli/wording';

// Every app direction a CLI user can be shown names a CLI command, flag or variable instead.
const APP_MESSAGES = [
  GET_A_MODEL,
  'This PDF is password-protected. Enter its password to index it.',
  'Groq rejected the API key (key rejected). Paste a valid key in Settings → Providers.',
  'llama-3.1 is no longer available to this key. Pick another model in Settings → Providers.',
  'Groq lists no chat model for this key. Check the key in Settings → Providers, or answer with the local model.',
  'Add a Groq API key in Settings → Providers (or set GROQ_API_KEY) first, or answer with the local model.',
  'Translation needs a chat model: download one in Settings → Models, or add a Groq API key in Settings → Providers.',
  'A saved key could not be decrypted (the install key changed). Enter the key again in Settings → Providers.',
  'Stopped at the 512-token answer limit. Ask it to continue, or raise the limit in Settings → Answers.',
];

describe('CLI wording', () => {
  it('leaves no app Settings path in any message', () => {
    for (const message of APP_MESSAGES) expect(forCli(message), message).not.toMatch(/Settings|→/);
  });

  it('names the flag or command that does the job', () => {
    expect(forCli(APP_MESSAGES[1])).toBe('This PDF is password-protected. Run `lockstep ingest <file> --password <password>` to index it.');
    expect(forCli(GET_A_MODEL)).toContain('download one with `lockstep models pull <id>` (`lockstep models list` shows them), or set GROQ_API_KEY to a Groq API key.');
    expect(forCli(APP_MESSAGES[5])).toBe('Set GROQ_API_KEY to a Groq API key first, or answer with the local model.');
    expect(forCli(APP_MESSAGES[3])).toBe('llama-3.1 is no longer available to this key. Pick another model with `lockstep ask --model <model>`.');
    expect(forCli('Nothing in your documents matches this question.')).toBe('Nothing in your documents matches this question.');
  });
});
