import { z } from 'zod';
import { call } from './define';

export const workspace = z.object({
  id: z.number().int(),
  name: z.string(),
  createdAt: z.number(),
  documentCount: z.number().int(),
});
export type Workspace = z.infer<typeof workspace>;

const workspaceName = z.string().trim().min(1, 'Give the workspace a name.').max(80, 'Keep workspace names under 80 characters.');
const workspaceId = z.number().int().positive();

export const workspaces = {
  list: call(z.object({}), z.array(workspace)),
  create: call(z.object({ name: workspaceName }), workspace),
  rename: call(z.object({ id: workspaceId, name: workspaceName }), workspace),
  remove: call(z.object({ id: workspaceId }), z.object({ removed: z.boolean() })),
};
