import { describe, expect, it } from 'vitest';
import { normaliseBaseURL, OPENAI_SERVER_PRESETS } from '../../../src/shared/openai-servers';

describe('OpenAI-compatible server addresses', () => {
  it('keeps a typed /v1 address, adds /v1 to a bare host and drops trailing slashes', () => {
    expect(normaliseBaseURL(' http://127.0.0.1:11434/v1/ ')).toBe('http://127.0.0.1:11434/v1');
    expect(normaliseBaseURL('http://localhost:8080')).toBe('http://localhost:8080/v1');
    expect(normaliseBaseURL('https://gpu-box.lan/openai/v1')).toBe('https://gpu-box.lan/openai/v1');
    for (const preset of OPENAI_SERVER_PRESETS) expect(normaliseBaseURL(preset.baseURL)).toBe(preset.baseURL);
  });

  it('refuses what is not a plain http(s) address: other schemes, credentials, queries, text', () => {
    for (const bad of ['ftp://host/v1', 'file:///etc/passwd', 'http://user:pw@host:1234/v1', 'http://host/v1?key=1', 'http://host/v1#x', 'localhost:1234', '']) {
      expect(normaliseBaseURL(bad), bad).toBeNull();
    }
  });
});
