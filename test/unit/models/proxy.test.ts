import { describe, expect, it } from 'vitest';
import { proxyFor } from '../../../src/main/models/proxy';

const hub = new URL('https://huggingface.co/x/resolve/main/f');

describe('proxyFor', () => {
  it('uses HTTPS_PROXY for https and HTTP_PROXY for http, in either case', () => {
    expect(proxyFor(hub, { HTTPS_PROXY: 'http://proxy:3128' })?.host).toBe('proxy:3128');
    expect(proxyFor(hub, { https_proxy: 'proxy.corp:8080' })?.href).toBe('http://proxy.corp:8080/');
    expect(proxyFor(hub, { HTTP_PROXY: 'http://proxy:3128' })).toBeNull();
    expect(proxyFor(new URL('http://mirror.local/f'), { HTTP_PROXY: 'http://proxy:3128' })?.host).toBe('proxy:3128');
    expect(proxyFor(hub, {})).toBeNull();
  });

  it('honours NO_PROXY hosts, domain suffixes, ports and *', () => {
    const proxy = { HTTPS_PROXY: 'http://proxy:3128' };
    expect(proxyFor(hub, { ...proxy, NO_PROXY: 'huggingface.co' })).toBeNull();
    expect(proxyFor(new URL('https://cdn-lfs.huggingface.co/f'), { ...proxy, no_proxy: '.huggingface.co' })).toBeNull();
    expect(proxyFor(new URL('https://cdn-lfs.huggingface.co/f'), { ...proxy, no_proxy: 'huggingface.co' })).toBeNull();
    expect(proxyFor(hub, { ...proxy, NO_PROXY: 'face.co' })).not.toBeNull();
    expect(proxyFor(hub, { ...proxy, NO_PROXY: 'huggingface.co:8443' })).not.toBeNull();
    expect(proxyFor(hub, { ...proxy, NO_PROXY: 'huggingface.co:443' })).toBeNull();
    expect(proxyFor(hub, { ...proxy, NO_PROXY: '*' })).toBeNull();
  });

  it('rejects proxies it cannot speak to, with a specific reason', () => {
    expect(() => proxyFor(hub, { HTTPS_PROXY: 'socks5://proxy:1080' })).toThrow(/over plain http:\/\/ only; the proxy at proxy:1080 uses socks5:/);
    // Credentials in a proxy URL never reach an error message.
    expect(() => proxyFor(hub, { HTTPS_PROXY: 'socks5://alice:s3cret@proxy:1080' })).toThrow(/^(?!.*s3cret).*proxy:1080/);
    expect(() => proxyFor(hub, { HTTPS_PROXY: 'http://' })).toThrow(/is not a valid URL/);
  });
});
