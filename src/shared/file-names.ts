// How a document is named to its user: by their file's name, never the copy Lockstep keeps of an upload
// (<data>/uploads/<12 hex>/<name>), with the extracted title beside it only when it says something the name does not.

const UPLOAD_COPY = /[\\/]uploads[\\/][0-9a-f]{12}[\\/]([^\\/]+)$/;

export const fileName = (filePath: string): string => filePath.split(/[\\/]/).pop() || filePath;

/** The path to show or export: an uploaded copy is named by its file name alone; a library file keeps its path. */
export function userFacingPath(filePath: string): string {
  const upload = UPLOAD_COPY.exec(filePath);
  return upload ? upload[1] : filePath;
}

// Titles that document tools write by default or that pages carry as boilerplate: they identify nothing.
const PLACEHOLDER_TITLES = /^(index|untitled( document)?|document\d*|powerpoint presentation|presentation\d*|microsoft (word|powerpoint|excel) - .*|slide \d+|title|home|page \d+|none)$/i;
const comparable = (text: string) => text.toLowerCase().replace(/\.[a-z0-9]{1,5}$/, '').replace(/[^\p{L}\p{N}]+/gu, '');

/** The extracted title cleaned of wiki "[edit]" links, or null when it is boilerplate or just repeats the file name. */
export function usefulTitle(title: string, filePath: string): string | null {
  const cleaned = title.replace(/\s*\[edit\]\s*/gi, ' ').replace(/\s+/g, ' ').trim();
  if (!cleaned || cleaned.length < 3 || PLACEHOLDER_TITLES.test(cleaned)) return null;
  if (comparable(cleaned) === comparable(fileName(filePath))) return null;
  return cleaned;
}
