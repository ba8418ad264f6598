import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { discoverInstalled } from '../models/registry';
import { log } from '../platform/log';
import { locateChatModel } from '../providers/local-model';
import { authoriseModelChoice, callerGrants } from '../access/caller';
import type { ChatTurn, GenerationResult } from '../providers/provider';
import type { Services } from '../services';
import { createLaunchToken, tokensMatch } from './auth';
import { completionChunk, completionResponse, usageOf } from './openai-format';
import { tapGeneration } from '../ops/generation-tap';
import { createMcpHttpHandler } from '../mcp/http';
import { createLockstepMcpServer } from '../mcp/server';
import { createScope } from '../mcp/scope';
import pkg from '../../../package.json';

// The OpenAI-compatible local API: /v1/models, /v1/chat/completions (SSE or not), /v1/embeddings, also under
// /openai/v1 so Groq clients work unchanged. 127.0.0.1 only, a bearer token, no CORS headers (and requests with
// an Origin are refused), off unless the user turns it on.

export const DEFAULT_LOCAL_API_PORT = 11435;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface LocalApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

const content = z.union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() })).transform((parts) => parts.map((p) => p.text).join(''))]);
const chatRequest = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content })).min(1),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().positive().max(32_768).optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
});
const embeddingRequest = z.object({ input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]), model: z.string().optional() });

/** The local API's bearer token, created once and kept with the other secrets. */
export function localApiToken(services: Services): string {
  const secrets = services.chat.secrets;
  let token = secrets.get('localApi.token');
  if (!token) {
    token = `lsk_${createLaunchToken()}`;
    secrets.set('localApi.token', token);
  }
  return token;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const errorType = (status: number) => (status === 401 ? 'authentication_error' : status >= 500 ? 'server_error' : 'invalid_request_error');

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, status: number, code: string, message: string) {
  if (response.headersSent) return void response.destroy();
  sendJson(response, status, { error: { message, type: errorType(status), code } });
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request) {
    size += (part as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body_too_large', 'The request body is larger than 4 MB.');
    parts.push(part as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new HttpError(400, 'invalid_request', `Invalid request${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'rejected'}.`);
}

/** Whether /mcp answers: the Settings switch or `lockstep serve --api --mcp`. */
export function mcpEnabled(services: Services, forced = false): boolean {
  return forced || services.settings.get().mcpEnabled;
}

/** Whether GET /metrics answers: the Settings switch, LOCKSTEP_METRICS=1, or `lockstep serve --api --metrics`. */
export function metricsEnabled(services: Services, forced = false): boolean {
  return forced || process.env.LOCKSTEP_METRICS === '1' || services.settings.get().metricsEnabled;
}

export async function startLocalApi(options: { services: Services; port?: number; token?: string; metrics?: boolean; mcp?: boolean }): Promise<LocalApi> {
  const { services } = options;
  const token = options.token ?? localApiToken(services);
  let port = 0;
  const created = () => Math.floor(Date.now() / 1000);
  // Each MCP session sees the workspaces shared with other apps, read afresh on every call.
  const mcp = createMcpHttpHandler(() => createLockstepMcpServer({ backends: services.mcp, scope: createScope(services.db), transport: 'http', version: pkg.version }));

  async function chatModel(model: string) {
    // "lockstep" (or the active model's id) means the active chat model; any installed id, or a .gguf path in a library folder.
    const active = services.settings.get().chatModelId;
    const wanted = model === 'lockstep' || model === active ? undefined : model;
    try {
      // A .gguf path is read only from a library folder: the API's token is no capability to read the disk.
      const provider = await services.chat.providers.local(await authoriseModelChoice(wanted, callerGrants(services, {})));
      if (provider) return provider;
    } catch (error) {
      if (error instanceof AppError && error.code === 'model_not_installed') throw new HttpError(404, 'model_not_found', error.message);
      if (error instanceof AppError && error.code === 'path_not_allowed') throw new HttpError(403, 'path_not_allowed', error.message);
      throw error;
    }
    throw new HttpError(503, 'no_chat_model', 'No chat model is installed. Download one in Lockstep under Models, then try again.');
  }

  async function listModels(response: ServerResponse) {
    const installed = await discoverInstalled(services.dataDir);
    const data = installed.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: 'lockstep', kind: m.kind }));
    // "lockstep" names the active chat model, whichever it is (an installed id or a .gguf path).
    const active = services.settings.get().chatModelId;
    if (active && (await locateChatModel(services.dataDir, active))) data.unshift({ id: 'lockstep', object: 'model', created: 0, owned_by: 'lockstep', kind: 'chat' });
    sendJson(response, 200, { object: 'list', data });
  }

  async function chatCompletions(request: IncomingMessage, response: ServerResponse, signal: AbortSignal) {
    const body = parse(chatRequest, await readJson(request));
    const provider = await chatModel(body.model);
    const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
    const messages: ChatTurn[] = body.messages;
    const generation = {
      messages,
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? 256,
      temperature: body.temperature ?? 0.7,
      signal,
    };
    // Completions count in the metrics beside the app's own answers.
    const tap = tapGeneration(services.ops.metrics, { provider: provider.id, model: provider.model });
    if (!body.stream) {
      const result = await provider.generate(generation, (event) => tap.event(event)).catch((error: unknown) => {
        tap.failed(error);
        throw error;
      });
      tap.completed(result);
      return sendJson(response, 200, completionResponse(id, created(), provider.model, result));
    }
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Content-Type-Options': 'nosniff' });
    const send = (payload: unknown) => response.write(`data: ${JSON.stringify(payload)}\n\n`);
    send(completionChunk(id, created(), provider.model, { role: 'assistant', content: '' }, null));
    let result: GenerationResult;
    try {
      result = await provider.generate(generation, (event) => {
        tap.event(event);
        if (event.type === 'delta' && event.text) send(completionChunk(id, created(), provider.model, { content: event.text }, null));
      });
    } catch (error) {
      tap.failed(error);
      if (!(error instanceof AppError)) log.error('local API generation failed', error);
      // Headers are sent: the failure travels as an SSE error event, which OpenAI and Groq clients raise.
      if (!signal.aborted) send({ error: { message: error instanceof AppError ? error.message : 'Generation failed.', type: 'server_error' } });
      return response.end();
    }
    tap.completed(result);
    const usage = usageOf(result);
    send({ ...completionChunk(id, created(), provider.model, {}, result.stopReason === 'length' ? 'length' : 'stop'), usage, x_groq: { id, usage } });
    response.end('data: [DONE]\n\n');
  }

  async function sendMetrics(response: ServerResponse) {
    const { metrics } = services.ops;
    const text = await metrics.render();
    response.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    response.end(text);
  }

  async function embeddings(request: IncomingMessage, response: ServerResponse, signal: AbortSignal) {
    const body = parse(embeddingRequest, await readJson(request));
    const active = await services.embeddings.active();
    if (!active) {
      throw new HttpError(503, 'embedder_not_installed', 'No embedding model is installed. Download one in Lockstep under Models (for example Xenova/all-MiniLM-L6-v2), then try again.');
    }
    if (body.model && body.model !== active.modelId) {
      throw new HttpError(404, 'model_not_found', `Embeddings come from the active embedding model ${active.modelId}; ${body.model} is not it.`);
    }
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    const vectors = await active.embedPassages(inputs, signal);
    const tokens = inputs.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
    sendJson(response, 200, {
      object: 'list',
      model: active.modelId,
      data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: Array.from(vector) })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  const http = createServer((request, response) => {
    const abort = new AbortController();
    response.on('close', () => abort.abort());
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/^\/openai\/v1\//, '/v1/');
    const route = `${request.method} ${path}`;
    Promise.resolve()
      .then(async () => {
        const host = request.headers.host ?? '';
        if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) throw new HttpError(403, 'forbidden_host', 'Use http://127.0.0.1 to reach the Lockstep API.');
        // Browsers send Origin; the API is for local programs, never for web pages.
        if (request.headers.origin !== undefined) throw new HttpError(403, 'forbidden_origin', 'The Lockstep API does not accept requests from web pages.');
        if (!tokensMatch(token, (request.headers.authorization ?? '').replace(/^Bearer\s+/i, ''))) {
          throw new HttpError(401, 'invalid_api_key', 'Missing or wrong API key: send "Authorization: Bearer <token>" with the token Lockstep shows for its local API.');
        }
        if (path === '/mcp') {
          if (!mcpEnabled(services, options.mcp)) throw new HttpError(404, 'mcp_off', 'MCP is off. Turn it on in Lockstep under Settings → Connections.');
          return mcp.handle(request, response);
        }
        if (route === 'GET /v1/models') return listModels(response);
        // Prometheus scrapes the API's root; while metrics are off the endpoint does not exist.
        if (route === 'GET /metrics' && metricsEnabled(services, options.metrics)) return sendMetrics(response);
        if (route === 'POST /v1/chat/completions') return chatCompletions(request, response, abort.signal);
        if (route === 'POST /v1/embeddings') return embeddings(request, response, abort.signal);
        throw new HttpError(404, 'not_found', `No such endpoint: ${request.method} ${path}.`);
      })
      .catch((error) => {
        if (error instanceof HttpError) return sendError(response, error.status, error.code, error.message);
        if (error instanceof AppError) {
          const status = error.code === 'prompt_too_long' ? 400 : error.code === 'cancelled' ? 499 : 500;
          return sendError(response, status, error.code, error.message);
        }
        log.error('local API request failed', error);
        sendError(response, 500, 'internal', 'Something went wrong inside Lockstep. The details are in its log.');
      });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new AppError('port_in_use', `Port ${options.port ?? DEFAULT_LOCAL_API_PORT} is in use; choose another with --api-port.`, error) : error),
    );
    http.listen(options.port ?? DEFAULT_LOCAL_API_PORT, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    async close() {
      await mcp.close();
      await new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      });
    },
  };
}
