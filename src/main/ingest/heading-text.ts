// Whether a line set apart like a heading reads like one. PDFs set running footers, footnotes, table rows, bullet
// items and sentence fragments in large or bold type too; taken as headings they would be indexed at heading weight
// and name every chunk after them.

const MAX_HEADING_WORDS = 16;

export function isPlausibleHeading(text: string): boolean {
  const line = text.replace(/\s+/g, ' ').trim();
  const words = line.split(' ');
  if (words.length > MAX_HEADING_WORDS) return false;
  const letters = line.match(/\p{L}/gu)?.length ?? 0;
  if (letters < 2 || letters < line.length * 0.5) return false; // page numbers, "F-3", rows of figures
  if (/^[•●▪◦·*–—-]/.test(line) || /^o\s/.test(line)) return false; // a bullet item
  if (/^\p{Ll}/u.test(line) || /^\(/.test(line)) return false; // a fragment: a sentence's tail or a parenthetical
  if (/[,;:–—-]$/.test(line)) return false; // cut off mid-sentence, or a table row ending in dashes
  if (words.length >= 6 && /[.!?]["”’)]?$/.test(line)) return false; // a whole sentence
  if (words.length >= 3 && /\s\d{1,4}$/.test(line)) return false; // a footer or contents line ending in a page number
  if (/[$€£%]/.test(line) || /\d[\d,.]*\s+\(?\d[\d,.]*/.test(line)) return false; // a table row: amounts, percentages, runs of figures
  if (/^table of contents$/i.test(line)) return false;
  return true;
}
