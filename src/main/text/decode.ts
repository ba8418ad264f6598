import chardet from 'chardet';
import iconv from 'iconv-lite';

// Text files arrive in any encoding: a BOM wins, then a declared charset (HTML), then UTF-8 if valid, then chardet's guess.

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bomEncoding(bytes: Uint8Array): { encoding: string; skip: number } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  return null;
}

/** UTF-16 without a BOM shows up as a NUL in every other byte of ASCII-heavy text. */
function utf16WithoutBom(bytes: Uint8Array): string | null {
  const sample = Math.min(bytes.length, 4096) & ~1;
  if (sample < 4) return null;
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) evenNuls++;
    if (bytes[i + 1] === 0) oddNuls++;
  }
  const pairs = sample / 2;
  if (oddNuls > pairs * 0.3 && evenNuls < pairs * 0.05) return 'utf-16le';
  if (evenNuls > pairs * 0.3 && oddNuls < pairs * 0.05) return 'utf-16be';
  return null;
}

export interface DecodedText {
  text: string;
  encoding: string;
}

/** Decodes bytes to a string; `declared` is a charset named by the document itself (e.g. an HTML meta tag). */
export function decodeText(bytes: Uint8Array, declared?: string | null): DecodedText {
  const bom = bomEncoding(bytes);
  if (bom) return { text: iconv.decode(Buffer.from(bytes.subarray(bom.skip)), bom.encoding), encoding: bom.encoding };
  const utf16 = utf16WithoutBom(bytes);
  if (utf16) return { text: iconv.decode(Buffer.from(bytes), utf16), encoding: utf16 };
  if (declared && iconv.encodingExists(declared) && !/^utf-?8$/i.test(declared)) {
    return { text: iconv.decode(Buffer.from(bytes), declared), encoding: declared.toLowerCase() };
  }
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    // Not UTF-8: trust chardet when it names something iconv knows, else Windows-1252 (a superset of Latin-1's printable range).
    const guess = chardet.detect(bytes.subarray(0, 65536));
    const encoding = guess && iconv.encodingExists(guess) && !/^utf/i.test(guess) ? guess : 'windows-1252';
    return { text: iconv.decode(Buffer.from(bytes), encoding), encoding: encoding.toLowerCase() };
  }
}
