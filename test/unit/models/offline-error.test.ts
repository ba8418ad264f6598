import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadFile, offlineError } from '../../../src/main/models/download';

const dnsFailure = (code: string) => Object.assign(new Error(`getaddrinfo ${code} huggingface.co`), { code });

describe('offline download errors', () => {
  it('say "No internet connection" instead of getaddrinfo ENOTFOUND, naming Hugging Face', () => {
    const error = offlineError({ url: 'https://huggingface.co/org/model/resolve/main/model.gguf' }, new TypeError('fetch failed', { cause: dnsFailure('ENOTFOUND') }));
    expect(error).toMatchObject({ code: 'download_offline', message: 'No internet connection — Hugging Face could not be reached. Check your connection and pull again: it resumes where it stopped.' });
    expect(error!.message).not.toMatch(/getaddrinfo|ENOTFOUND/);
    expect(offlineError({ url: 'https://cdn-lfs.hf.co/x' }, dnsFailure('EAI_AGAIN'))?.message).toContain('Hugging Face could not be reached');
    expect(offlineError({ url: 'https://mirror.example.org/x' }, dnsFailure('ENETUNREACH'))?.message).toContain('mirror.example.org could not be reached');
  });

  it('leave other failures to the retry loop', () => {
    expect(offlineError({ url: 'https://huggingface.co/x' }, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBeNull();
    expect(offlineError({ url: 'https://huggingface.co/x' }, new Error('the server answered HTTP 503'))).toBeNull();
  });

  it('fail a real download at once when the name does not resolve (.invalid never does)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-offline-'));
    try {
      const job = { url: 'http://lockstep-offline.invalid/model.gguf', target: path.join(dir, 'model.gguf'), label: 'model.gguf', expectedSize: null, expectedSha256: null, http: { proxyEnv: {} }, retryDelayMs: 5 };
      await expect(downloadFile(job)).rejects.toMatchObject({ code: 'download_offline', message: 'No internet connection — lockstep-offline.invalid could not be reached. Check your connection and pull again: it resumes where it stopped.' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
