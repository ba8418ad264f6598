import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../../src/main/secrets/file-secret-store';
import { tempDataDir } from '../chat/library';

let data: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  data = tempDataDir('lockstep-secrets-');
});
afterEach(() => data.remove());

describe('FileSecretStore', () => {
  it('round-trips secrets across instances and stores only ciphertext', () => {
    new FileSecretStore(data.dir).set('groq.apiKey', 'gsk_roundtrip_value_123');
    const reopened = new FileSecretStore(data.dir);
    expect(reopened.get('groq.apiKey')).toBe('gsk_roundtrip_value_123');
    expect(reopened.has('localApi.token')).toBe(false);
    expect(readFileSync(path.join(data.dir, 'secrets', 'secrets.enc'), 'utf8')).not.toContain('roundtrip');
    reopened.delete('groq.apiKey');
    expect(new FileSecretStore(data.dir).get('groq.apiKey')).toBeNull();
  });

  it('refuses a tampered value or a replaced install key with a clear error', () => {
    const store = new FileSecretStore(data.dir);
    store.set('groq.apiKey', 'gsk_tamper_value_123');
    const file = path.join(data.dir, 'secrets', 'secrets.enc');
    const entries = JSON.parse(readFileSync(file, 'utf8'));
    const bytes = Buffer.from(entries['groq.apiKey'].data, 'base64');
    bytes[0] ^= 1;
    entries['groq.apiKey'].data = bytes.toString('base64');
    writeFileSync(file, JSON.stringify(entries));
    expect(() => new FileSecretStore(data.dir).get('groq.apiKey')).toThrow(expect.objectContaining({ code: 'secret_unreadable' }));

    store.set('groq.apiKey', 'gsk_tamper_value_123');
    writeFileSync(path.join(data.dir, 'secrets', 'install.key'), Buffer.alloc(32, 7));
    expect(() => new FileSecretStore(data.dir).get('groq.apiKey')).toThrow(expect.objectContaining({ code: 'secret_unreadable' }));
  });
});
