import { createServer } from 'node:http';
import { listenLocally, readJsonBody as readBody, sendJson as json } from '../../fixtures/groq/local-http';

// An OpenAI/Groq-compatible server for groq-sdk tests. The bearer key picks the behaviour:
//   gsk_valid_*      a normal streamed (or plain) completion with x_groq.usage in the final chunk
//   gsk_rejected_*   401 invalid_api_key
//   gsk_ratelimit_*  429 with retry-after: 1 on the first request, then normal
//   gsk_disconnect_* two content chunks, then the socket is destroyed mid-stream
//   gsk_slow_*       one chunk every 100 ms (for cancellation)

export const USAGE = {
  queue_time: 0.012,
  prompt_tokens: 42,
  prompt_time: 0.004,
  completion_tokens: 5,
  completion_time: 0.02,
  total_tokens: 47,
  total_time: 0.024,
};
export const REPLY = ['Leave ', 'is ', '25 ', 'days ', '[1].'];

export interface FaultServer {
  baseURL: string;
  requests: { path: string; key: string; body: unknown }[];
  /** Keys of requests whose stream the client closed before it ended. */
  closedEarly: string[];
  close(): Promise<void>;
}

const chunk = (id: string, model: string, content: string | null, extra: object = {}) =>
  `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: content === null ? 'stop' : null }], ...extra })}\n\n`;

export async function startFaultServer(): Promise<FaultServer> {
  const state: FaultServer = { baseURL: '', requests: [], closedEarly: [], close: async () => {} };
  const rateLimited = new Set<string>();

  const server = createServer(async (request, response) => {
    const key = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    const body = await readBody(request);
    state.requests.push({ path: request.url ?? '', key, body });
    if (key.startsWith('gsk_rejected')) {
      return json(response, 401, { error: { message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    if (request.url === '/openai/v1/models') {
      return json(response, 200, {
        object: 'list',
        data: [
          { id: 'llama-3.1-8b-instant', object: 'model', created: 1, owned_by: 'Meta', context_window: 131072 },
          { id: 'gemma2-9b-it', object: 'model', created: 1, owned_by: 'Google', context_window: 8192 },
        ],
      });
    }
    if (request.url !== '/openai/v1/chat/completions') return json(response, 404, { error: { message: 'not found' } });
    if (key.startsWith('gsk_ratelimit') && !rateLimited.has(key)) {
      rateLimited.add(key);
      return json(response, 429, { error: { message: 'Rate limit reached', type: 'tokens', code: 'rate_limit_exceeded' } }, { 'retry-after': '1' });
    }
    const { model, stream } = body as { model: string; stream?: boolean };
    if (!stream) {
      return json(response, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: REPLY.join('') }, finish_reason: 'stop' }],
        usage: USAGE,
        x_groq: { id: 'req_1', usage: USAGE },
      });
    }
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    response.on('close', () => {
      if (!response.writableEnded) state.closedEarly.push(key);
    });
    response.write(chunk('c1', model, '', { x_groq: { id: 'req_1' } }));
    for (const [index, piece] of REPLY.entries()) {
      if (key.startsWith('gsk_disconnect') && index === 2) {
        // Let the first pieces reach the client, then drop the connection without ending the stream.
        await new Promise((r) => setTimeout(r, 50));
        request.socket.destroy();
        return;
      }
      if (key.startsWith('gsk_slow')) await new Promise((r) => setTimeout(r, 100));
      if (response.destroyed) return;
      response.write(chunk('c1', model, piece));
    }
    response.write(chunk('c1', model, null, { x_groq: { id: 'req_1', usage: USAGE } }));
    response.end('data: [DONE]\n\n');
  });
  Object.assign(state, await listenLocally(server));
  return state;
}
