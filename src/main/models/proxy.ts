import http from 'node:http';
import type { Socket } from 'node:net';
import { AppError } from '../../shared/errors';

// Proxy support for downloads: HTTPS_PROXY / HTTP_PROXY / NO_PROXY as curl reads them, through a CONNECT tunnel.
// Node 20's fetch ignores these variables and undici (which has ProxyAgent) is not importable here, so we tunnel ourselves.

export type ProxyEnv = Record<string, string | undefined>;

const envValue = (env: ProxyEnv, name: string) => env[name.toLowerCase()] ?? env[name.toUpperCase()] ?? undefined;

/** The proxy to use for a URL, or null for a direct connection. */
export function proxyFor(target: URL, env: ProxyEnv = process.env): URL | null {
  const raw = target.protocol === 'https:' ? (envValue(env, 'https_proxy') ?? envValue(env, 'all_proxy')) : (envValue(env, 'http_proxy') ?? envValue(env, 'all_proxy'));
  if (!raw || bypassesProxy(target, envValue(env, 'no_proxy') ?? '')) return null;
  let proxy: URL;
  try {
    proxy = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch (cause) {
    throw new AppError('proxy_invalid', 'The proxy setting (HTTPS_PROXY or HTTP_PROXY) is not a valid URL. Fix it and try again.', cause);
  }
  if (proxy.protocol !== 'http:') {
    // Name the host only: proxy URLs often carry a user name and password.
    throw new AppError('proxy_unsupported', `Lockstep reaches proxies over plain http:// only; the proxy at ${proxy.host} uses ${proxy.protocol}. Use the proxy's http:// address.`);
  }
  return proxy;
}

/** NO_PROXY: "*", or comma-separated hosts, domain suffixes (".example.com" or "example.com") and host:port pairs. */
function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((rule) => {
      if (rule === '*') return true;
      const [ruleHost, rulePort] = rule.toLowerCase().replace(/^\*?\./, '.').split(/:(?=\d+$)/);
      if (rulePort && rulePort !== port) return false;
      const bare = ruleHost.replace(/^\./, '');
      return host === bare || host.endsWith(`.${bare}`);
    });
}

/** Opens a raw TCP tunnel to host:port through an HTTP proxy (CONNECT). */
export function openTunnel(proxy: URL, host: string, port: number, signal?: AbortSignal): Promise<Socket> {
  const headers: Record<string, string> = { host: `${host}:${port}` };
  if (proxy.username) {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const request = http.request({ host: proxy.hostname, port: Number(proxy.port || 80), method: 'CONNECT', path: `${host}:${port}`, headers, signal });
    request.once('connect', (response, socket) => {
      if (response.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(new AppError('proxy_refused', `The proxy at ${proxy.host} refused to connect to ${host} (HTTP ${response.statusCode}). Check the proxy's address and credentials.`));
    });
    request.once('error', (cause) => {
      if (signal?.aborted) return reject(cause);
      reject(new AppError('proxy_unreachable', `Could not reach the proxy at ${proxy.host}. Check HTTPS_PROXY / HTTP_PROXY or your network.`, cause));
    });
    request.end();
  });
}
