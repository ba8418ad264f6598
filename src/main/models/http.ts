import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { AppError } from '../../shared/errors';
import { openTunnel, proxyFor, type ProxyEnv } from './proxy';

// A GET that follows redirects (huggingface.co answers 302 to its CDN) and goes through a proxy when configured.

export interface HttpOptions {
  /** Environment to read HTTPS_PROXY / HTTP_PROXY / NO_PROXY from (default process.env). */
  proxyEnv?: ProxyEnv;
  /** Milliseconds without any byte from the server before the attempt counts as a network failure. */
  idleTimeoutMs?: number;
  userAgent?: string;
  /** Extra certificate authorities to trust (PEM), e.g. a company proxy's; NODE_EXTRA_CA_CERTS works too. */
  ca?: string;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** Headers of every hop, first request first: the hub's redirect carries X-Linked-ETag / X-Linked-Size. */
  hops: IncomingHttpHeaders[];
  finalUrl: string;
}

const MAX_REDIRECTS = 10;

export async function httpGet(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, options: HttpOptions = {}): Promise<HttpResponse> {
  const hops: IncomingHttpHeaders[] = [];
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const response = await requestOnce(current, headers, signal, options);
    hops.push(response.headers);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location) {
      response.resume();
      if (redirects >= MAX_REDIRECTS) {
        throw new AppError('download_redirect_loop', `The download server redirected more than ${MAX_REDIRECTS} times. Try again later.`);
      }
      current = new URL(location, current);
      if (current.protocol !== 'https:' && current.protocol !== 'http:') {
        throw new AppError('download_failed', `The download server redirected to an unsupported address (${current.protocol}).`);
      }
      continue;
    }
    return { status, headers: response.headers, body: response, hops, finalUrl: current.toString() };
  }
}

async function requestOnce(target: URL, headers: Record<string, string>, signal: AbortSignal | undefined, options: HttpOptions): Promise<IncomingMessage> {
  const secure = target.protocol === 'https:';
  const port = Number(target.port || (secure ? 443 : 80));
  const proxy = proxyFor(target, options.proxyEnv);
  const tunnel = proxy ? await openTunnel(proxy, target.hostname, port, signal) : undefined;
  const requestOptions: https.RequestOptions = {
    protocol: target.protocol,
    hostname: target.hostname,
    port,
    path: target.pathname + target.search,
    method: 'GET',
    headers: { 'user-agent': options.userAgent ?? 'Lockstep/0.1 (model manager)', 'accept-encoding': 'identity', ...headers },
    signal,
  };
  if (options.ca) requestOptions.ca = [...tls.rootCertificates, options.ca];
  if (tunnel) {
    // Over the tunnel we speak TLS (https targets) or plain HTTP ourselves; the proxy only relays bytes.
    const servername = net.isIP(target.hostname) ? undefined : target.hostname;
    requestOptions.createConnection = () => (secure ? tls.connect({ socket: tunnel, host: target.hostname, servername, ca: requestOptions.ca }) : tunnel);
  }
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(requestOptions, resolve);
    request.setTimeout(options.idleTimeoutMs ?? 30_000, () => request.destroy(new Error(`No data from ${target.host} for ${(options.idleTimeoutMs ?? 30_000) / 1000} s`)));
    request.once('error', (error: NodeJS.ErrnoException) => reject(TLS_FAILURES.has(error.code ?? '') ? untrusted(target, error) : error));
    request.end();
  });
}

/** Certificate problems are not network hiccups: retrying cannot fix them. */
const TLS_FAILURES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function untrusted(target: URL, cause: NodeJS.ErrnoException): AppError {
  return new AppError(
    'download_untrusted',
    `Could not verify the identity of ${target.hostname} (${cause.code}). If a company proxy inspects HTTPS, add its certificate with NODE_EXTRA_CA_CERTS and try again.`,
    cause,
  );
}

/** Header value as one string (Node gives string[] for repeated headers). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
