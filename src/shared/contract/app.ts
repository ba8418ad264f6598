import { z } from 'zod';
import { call } from './define';

export const appInfo = z.object({
  app: z.object({ name: z.string(), version: z.string() }),
  runtime: z.enum(['electron', 'browser', 'cli']),
  node: z.string(),
  electron: z.string().nullable(),
  sqlite: z.string(),
  sqliteVec: z.string(),
  schemaVersion: z.number().int(),
  dataDir: z.string(),
  models: z.array(z.object({ id: z.string(), kind: z.enum(['chat', 'embedding', 'reranker']), path: z.string() })),
});
export type AppInfo = z.infer<typeof appInfo>;

export const app = {
  info: call(z.object({}), appInfo),
};
