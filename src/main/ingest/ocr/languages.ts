import { copyFile, mkdir, rename, stat, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

// OCR language data ships in npm packages (@tesseract.js-data/*), read from disk: OCR never touches the network.

export const ocrLanguageCodes = ['eng', 'chi_sim'] as const;
export type OcrLanguageCode = (typeof ocrLanguageCodes)[number];

/** The setting: 'auto' follows the UI language; Chinese text often mixes in English, so Chinese reads both. */
export type OcrLanguageSetting = 'auto' | 'eng' | 'chi_sim' | 'eng+chi_sim';

/** Always in this order: tesseract.js 7 fails to load a second language after chi_sim ("Failed loading language"). */
export function ocrLanguagesFor(setting: OcrLanguageSetting, uiLanguage: string): OcrLanguageCode[] {
  const wanted = setting === 'auto' ? (uiLanguage.startsWith('zh') ? ['eng', 'chi_sim'] : ['eng']) : setting.split('+');
  return ocrLanguageCodes.filter((code) => wanted.includes(code));
}

const require = createRequire(import.meta.url);

/** The LSTM-only integer model (what tesseract.js itself picks for its default engine), gzipped as published. */
export function languageDataFile(code: OcrLanguageCode): string {
  const root = path.dirname(require.resolve(`@tesseract.js-data/${code}/package.json`));
  return path.join(root, '4.0.0_best_int', `${code}.traineddata.gz`);
}

/**
 * One folder holding every language's data, as tesseract.js reads all languages from one langPath (and its in-memory
 * { code, data } form is broken in v7: the data is used as the language name). Links to node_modules, copies if links fail.
 */
export async function languageFolder(languages: readonly OcrLanguageCode[]): Promise<string> {
  // One language is read from its own package folder; only a combination needs the shared folder.
  if (languages.length === 1) return path.dirname(languageDataFile(languages[0]!));
  const folder = path.join(os.tmpdir(), `lockstep-ocr-data-${process.getuid?.() ?? 'user'}`);
  await mkdir(folder, { recursive: true });
  for (const code of ocrLanguageCodes) {
    const target = path.join(folder, `${code}.traineddata.gz`);
    const source = languageDataFile(code);
    const [have, want] = await Promise.all([stat(target).catch(() => null), stat(source)]);
    if (have?.size === want.size) continue;
    await symlink(source, `${target}.${process.pid}`).catch(() => copyFile(source, `${target}.${process.pid}`));
    await rename(`${target}.${process.pid}`, target);
  }
  return folder;
}
