import type { Db } from '../../../src/main/store/db';
import { addDocument, openTestServices, tempDataDir, type TestPage } from '../chat/library';

// A generated library for the MCP tests: a shared workspace of surveys (each page states one fact under a made-up
// code name, so a search has exactly one right page) and filler memos (enough to page through), a private workspace
// whose pages carry a canary, and a workspace only a session started with --workspace may see.

export const CANARY = 'vermilionsecret';
export const CODE_NAMES = ['quarzel', 'tobrinth', 'malvecor', 'zindral', 'perovane', 'ostrique', 'calbrisk', 'wendrake'];
export const FILLER_MEMOS = 127;

export interface SurveyPage extends TestPage {
  code: string;
  date: string;
}

export interface McpTestLibrary {
  dir: string;
  remove(): void;
  sharedWorkspaceId: number;
  privateWorkspaceId: number;
  namedWorkspaceId: number;
  /** Survey documents with their pages, in the shared workspace. */
  surveys: { id: number; title: string; pages: SurveyPage[] }[];
  /** Every document id of the shared workspace. */
  sharedDocumentIds: number[];
  privateDocumentId: number;
  namedDocumentId: number;
  /** A shared page longer than any budget, to read by cursor. */
  longPage: { documentId: number; page: number; text: string };
}

const addWorkspace = (db: Db, name: string, shared: boolean) =>
  Number(db.prepare('INSERT INTO workspaces (name, created_at, shared_with_apps) VALUES (?, ?, ?)').run(name, Date.now(), shared ? 1 : 0).lastInsertRowid);

export async function buildMcpLibrary(): Promise<McpTestLibrary> {
  const data = tempDataDir('lockstep-mcp-');
  const services = openTestServices(data.dir);
  try {
    const { db } = services;
    const sharedWorkspaceId = addWorkspace(db, 'Field notes', true);
    const privateWorkspaceId = addWorkspace(db, 'Private', false);
    const namedWorkspaceId = addWorkspace(db, 'Named', false);
    const surveys = ['Survey Alpha', 'Survey Beta'].map((title, s) => {
      const pages: SurveyPage[] = CODE_NAMES.slice(s * 4, s * 4 + 4).map((code, i) => {
        const date = `${10 + i + s * 4} March 2026`;
        return {
          page: i + 1,
          // The first two pages of Survey Alpha carry printed roman numerals, as front matter does.
          ...(s === 0 && i < 2 ? { label: ['i', 'ii'][i] } : {}),
          code,
          date,
          text: `Inspection record. The ${code} pump at station ${i + 1} was serviced on ${date} by the night crew.`,
        };
      });
      return { id: addDocument(db, title, pages, sharedWorkspaceId), title, pages };
    });
    const longText = Array.from({ length: 400 }, (_, i) => `Sentence ${i + 1} of the appendix describes valve ${i % 17} in plain words.`).join(' ');
    const appendixId = addDocument(db, 'Appendix', [{ page: 1, text: 'Appendix cover.' }, { page: 2, text: longText }], sharedWorkspaceId);
    const fillers = Array.from({ length: FILLER_MEMOS }, (_, i) => addDocument(db, `Filler memo ${i + 1}`, [{ page: 1, text: `Routine memo number ${i + 1} about office supplies.` }], sharedWorkspaceId));
    // The private document also names a shared code name: a leak through search would show at once.
    const privateDocumentId = addDocument(
      db,
      'Private ledger',
      [{ page: 1, text: `The ${CODE_NAMES[0]} pump budget is ${CANARY}. Do not share the ${CANARY} figures.` }],
      privateWorkspaceId,
    );
    const namedDocumentId = addDocument(db, 'Named memo', [{ page: 1, text: 'The namedonly schedule lists the quarterly drills.' }], namedWorkspaceId);
    return {
      dir: data.dir,
      remove: data.remove,
      sharedWorkspaceId,
      privateWorkspaceId,
      namedWorkspaceId,
      surveys,
      sharedDocumentIds: [...surveys.map((s) => s.id), appendixId, ...fillers],
      privateDocumentId,
      namedDocumentId,
      longPage: { documentId: appendixId, page: 2, text: longText },
    };
  } catch (error) {
    data.remove();
    throw error;
  } finally {
    await services.close();
  }
}
