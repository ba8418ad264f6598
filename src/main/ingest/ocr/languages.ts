import { copyFile, mkdtemp, rm, symlink } from 'node:fs/promises';
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
 * { code, data } form is broken in v7: the data is used as the language name). Links to node_modules, copies if links
 * fail. A combination gets a private temporary folder that `dispose` removes once the workers have read it.
 */
export async function languageFolder(languages: readonly OcrLanguageCode[]): Promise<{ folder: string; dispose(): Promise<void> }> {
  // One language is read from its own package folder; only a combination needs a folder of its own.
  if (languages.length === 1) return { folder: path.dirname(languageDataFile(languages[0]!)), dispose: async () => undefined };
  const folder = await mkdtemp(path.join(os.tmpdir(), 'lockstep-ocr-data-'));
  const dispose = () => rm(folder, { recursive: true, force: true });
  try {
    for (const code of languages) {
      const target = path.join(folder, `${code}.traineddata.gz`);
      await symlink(languageDataFile(code), target).catch(() => copyFile(languageDataFile(code), target));
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return { folder, dispose };
}
