import { AppError } from '../../shared/errors';

/** The sentence to show for a failed call: AppErrors already carry one; anything else gets a generic line. */
export function errorMessage(error: unknown): string {
  if (error instanceof AppError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Please try again.';
}

export const isCancelled = (error: unknown) => error instanceof AppError && error.code === 'cancelled';
