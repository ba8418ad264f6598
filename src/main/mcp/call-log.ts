import type { Db } from '../store/db';

// The recent calls MCP clients made, for Settings → Connections: who asked, with which tool, when, and which
// documents the answer touched. Bounded: older rows are dropped as new ones are written.

export const CALL_LOG_LIMIT = 200;

export interface McpCallRecord {
  id: number;
  client: string;
  transport: 'stdio' | 'http';
  tool: string;
  at: number;
  ok: boolean;
  documentIds: number[];
}

export function recordCall(db: Db, call: Omit<McpCallRecord, 'id' | 'at'> & { at?: number }): void {
  db.transaction(() => {
    const { lastInsertRowid } = db
      .prepare('INSERT INTO mcp_calls (client, transport, tool, at, ok, document_ids) VALUES (?, ?, ?, ?, ?, ?)')
      .run(call.client.slice(0, 120), call.transport, call.tool, call.at ?? Date.now(), call.ok ? 1 : 0, JSON.stringify(call.documentIds.slice(0, 50)));
    db.prepare('DELETE FROM mcp_calls WHERE id <= ?').run(Number(lastInsertRowid) - CALL_LOG_LIMIT);
  })();
}

export function recentCalls(db: Db, limit = 50): McpCallRecord[] {
  const rows = db
    .prepare('SELECT id, client, transport, tool, at, ok, document_ids AS documentIds FROM mcp_calls ORDER BY id DESC LIMIT ?')
    .all(limit) as (Omit<McpCallRecord, 'ok' | 'documentIds'> & { ok: number; documentIds: string })[];
  return rows.map((row) => ({ ...row, ok: row.ok === 1, documentIds: JSON.parse(row.documentIds) as number[] }));
}
