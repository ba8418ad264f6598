// Errors that cross to users carry a stable code and a sentence they can act on; the cause stays in main-process logs.
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** The serialised form of any error crossing a process, thread or socket boundary. */
export interface WireError {
  code: string;
  message: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  if (error && typeof error === 'object' && 'name' in error && (error as Error).name === 'AbortError') {
    return { code: 'cancelled', message: 'Cancelled.' };
  }
  return { code: 'internal', message: 'Something went wrong inside Lockstep. The details are in the log.' };
}

export function fromWireError(wire: WireError): AppError {
  return new AppError(wire.code, wire.message);
}
