import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AppError } from '../../../shared/errors';
import type { Judgements } from './metrics';

// Reads a BEIR-format folder: corpus.jsonl ({_id, title, text}), queries.jsonl ({_id, text}), qrels/<split>.tsv.

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

export interface BeirDataset {
  corpus: BeirDocument[];
  /** Only the queries that have judgements in the split. */
  queries: BeirQuery[];
  qrels: Map<string, Judgements>;
}

function requireFile(dir: string, file: string): string {
  const full = path.join(dir, file);
  if (!existsSync(full)) throw new AppError('beir_invalid', `${dir} is not a BEIR folder: ${file} is missing.`);
  return full;
}

async function* lines(file: string): AsyncGenerator<{ line: string; number: number }> {
  let number = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    number++;
    if (line.trim()) yield { line, number };
  }
}

async function readJsonl<T>(file: string, parse: (value: Record<string, unknown>) => T | null): Promise<T[]> {
  const rows: T[] = [];
  for await (const { line, number } of lines(file)) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new AppError('beir_invalid', `Line ${number} of ${file} is not valid JSON.`);
    }
    const row = value && typeof value === 'object' ? parse(value as Record<string, unknown>) : null;
    if (!row) throw new AppError('beir_invalid', `Line ${number} of ${file} lacks a string "_id" and "text".`);
    rows.push(row);
  }
  return rows;
}

const str = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null);

export async function loadBeir(dir: string, split: string): Promise<BeirDataset> {
  const qrelsFile = requireFile(dir, path.join('qrels', `${split}.tsv`));
  const corpus = await readJsonl(requireFile(dir, 'corpus.jsonl'), (v) => {
    const id = str(v._id);
    const text = str(v.text);
    return id !== null && text !== null ? { id, title: str(v.title) ?? '', text } : null;
  });
  const allQueries = await readJsonl(requireFile(dir, 'queries.jsonl'), (v) => {
    const id = str(v._id);
    const text = str(v.text);
    return id !== null && text !== null ? { id, text } : null;
  });

  const qrels = new Map<string, Judgements>();
  for await (const { line, number } of lines(qrelsFile)) {
    const [queryId, docId, score] = line.split('\t');
    if (number === 1 && !/^\d+$/.test(score?.trim() ?? '')) continue; // header row
    const relevance = Number(score);
    if (!queryId || !docId || !Number.isFinite(relevance)) throw new AppError('beir_invalid', `Line ${number} of ${qrelsFile} is not "query-id<TAB>corpus-id<TAB>score".`);
    if (!qrels.has(queryId)) qrels.set(queryId, new Map());
    qrels.get(queryId)!.set(docId, relevance);
  }
  const queries = allQueries.filter((query) => qrels.has(query.id));
  if (queries.length === 0) throw new AppError('beir_invalid', `No query in ${dir}/queries.jsonl has judgements in qrels/${split}.tsv.`);
  return { corpus, queries, qrels };
}
