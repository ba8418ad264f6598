import { z } from 'zod';

// The message shapes every transport carries (WebSocket frames, Electron MessagePorts, tests).
// Client → server:  call | stream | cancel.   Server → client: result | event | end.

const wireError = z.object({ code: z.string(), message: z.string() });

export const clientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int().nonnegative(), method: z.string().max(200), args: z.unknown() }),
  z.object({ t: z.literal('stream'), id: z.number().int().nonnegative(), method: z.string().max(200), args: z.unknown() }),
  z.object({ t: z.literal('cancel'), id: z.number().int().nonnegative() }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

export const serverMessage = z.union([
  z.object({ t: z.literal('result'), id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({ t: z.literal('result'), id: z.number(), ok: z.literal(false), error: wireError }),
  z.object({ t: z.literal('event'), id: z.number(), event: z.unknown() }),
  z.object({ t: z.literal('end'), id: z.number() }),
]);
export type ServerMessage = z.infer<typeof serverMessage>;
