import { z } from 'zod';

// Each IPC method is declared once: its request schema and either a response schema (call) or an event
// schema (stream). Transports, handlers and clients are all derived from these declarations.

export interface CallSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly kind: 'call';
  readonly request: Req;
  readonly response: Res;
}

export interface StreamSpec<Req extends z.ZodType = z.ZodType, Ev extends z.ZodType = z.ZodType> {
  readonly kind: 'stream';
  readonly request: Req;
  readonly event: Ev;
}

export type MethodSpec = CallSpec | StreamSpec;
export type DomainSpec = Record<string, MethodSpec>;
export type ContractSpec = Record<string, DomainSpec>;

export const call = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res): CallSpec<Req, Res> => ({
  kind: 'call',
  request,
  response,
});

export const stream = <Req extends z.ZodType, Ev extends z.ZodType>(request: Req, event: Ev): StreamSpec<Req, Ev> => ({
  kind: 'stream',
  request,
  event,
});

/** Context every handler receives: who is calling and, for streams, when to stop. */
export interface HandlerContext {
  /** Aborted when the caller cancels a stream or disconnects. */
  signal: AbortSignal;
  /** 'electron' or 'websocket': handlers never branch on it for security, only for logging. */
  transport: string;
  /** What this caller may read: real paths granted to its window (own dialogs, drops) or, over WebSocket, picked in browse listings. */
  grantedPaths?: ReadonlySet<string>;
  /** The main process's own folder dialog for this caller's window; absent where there is none (browser mode, tests). */
  chooseFolder?: () => Promise<string | null>;
  /** The main process's own open dialog for this caller's window; resolves to the picked real paths, already granted. */
  chooseFiles?: (options: { select: 'files' | 'folder'; filter: 'documents' | 'models' | 'all' }) => Promise<string[]>;
  /** Browser mode's file picker for this connection: the folders it may list, and where what is picked there is granted. */
  picker?: { roots: readonly string[]; grant(realPaths: readonly string[]): void };
}

/** The caller-specific part of HandlerContext, supplied by the transport when a connection opens. */
export type CallerContext = Pick<HandlerContext, 'grantedPaths' | 'chooseFolder' | 'chooseFiles' | 'picker'>;

export type CallHandler<S extends CallSpec> = (
  request: z.output<S['request']>,
  ctx: HandlerContext,
) => Promise<z.input<S['response']>> | z.input<S['response']>;

export type StreamHandler<S extends StreamSpec> = (
  request: z.output<S['request']>,
  emit: (event: z.input<S['event']>) => void,
  ctx: HandlerContext,
) => Promise<void>;

export type MethodHandler<S extends MethodSpec> = S extends CallSpec
  ? CallHandler<S>
  : S extends StreamSpec
    ? StreamHandler<S>
    : never;

/** Handlers for a whole contract: a missing or mistyped handler is a compile error. */
export type ContractHandlers<C extends ContractSpec> = {
  [D in keyof C]: { [M in keyof C[D]]: MethodHandler<C[D][M]> };
};

/** A running stream on the client side. */
export interface StreamHandle {
  cancel(): void;
  /** Resolves when the stream ends normally, rejects with AppError on failure or cancellation. */
  done: Promise<void>;
}

export type ClientMethod<S extends MethodSpec> = S extends CallSpec
  ? (request: z.input<S['request']>) => Promise<z.output<S['response']>>
  : S extends StreamSpec
    ? (request: z.input<S['request']>, onEvent: (event: z.output<S['event']>) => void) => StreamHandle
    : never;

/** The typed client the renderer (and tests) use: client.domain.method(...). */
export type ContractClient<C extends ContractSpec> = {
  [D in keyof C]: { [M in keyof C[D]]: ClientMethod<C[D][M]> };
};

/** "domain.method" names, the only channel identifiers any transport uses. */
export function methodNames(contract: ContractSpec): string[] {
  return Object.entries(contract).flatMap(([domain, methods]) => Object.keys(methods).map((m) => `${domain}.${m}`));
}

export function lookupMethod(contract: ContractSpec, name: string): MethodSpec | undefined {
  const dot = name.indexOf('.');
  if (dot < 0) return undefined;
  const domain = contract[name.slice(0, dot)];
  return domain && Object.hasOwn(domain, name.slice(dot + 1)) ? domain[name.slice(dot + 1)] : undefined;
}
