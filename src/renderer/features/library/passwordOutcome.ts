import type { LibraryDocument } from '../../../shared/contract/library';

/**
 * What a submitted password led to, from the document as it was at submission and as it is now: still being
 * checked, refused (the document is back at needs_password with a newer update), or settled (indexed, or failed
 * for another reason that the library row explains).
 */
export function passwordOutcome(submitted: Pick<LibraryDocument, 'updatedAt'>, now: Pick<LibraryDocument, 'status' | 'updatedAt'>): 'checking' | 'wrong' | 'settled' {
  if (now.status === 'queued' || now.status === 'processing') return 'checking';
  if (now.status === 'needs_password') return now.updatedAt > submitted.updatedAt ? 'wrong' : 'checking';
  return 'settled';
}
