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

export const tierPin = z.enum(['auto', 'hot', 'cold']);
const storageTier = z.enum(['hot', 'cold']);

/** A workspace's knowledge tier: hot vectors sit in memory (fastest channel), cold ones only on disk as int8. */
export const workspaceTier = z.object({
  workspaceId: z.number().int(),
  name: z.string(),
  pin: tierPin,
  /** Where its vectors live now. */
  tier: storageTier,
  /** What the pin, or recent use when auto, asks for. */
  target: storageTier,
  recentQuestions: z.number().int(),
  hotChunks: z.number().int(),
  coldChunks: z.number().int(),
  residentBytes: z.number(),
  diskSavedBytes: z.number(),
  move: z.object({ to: storageTier, done: z.number().int(), total: z.number().int(), reverting: z.boolean() }).nullable(),
});
export type WorkspaceTier = z.infer<typeof workspaceTier>;

export const workspaces = {
  list: call(z.object({}), z.array(workspace)),
  create: call(z.object({ name: workspaceName }), workspace),
  rename: call(z.object({ id: workspaceId, name: workspaceName }), workspace),
  remove: call(z.object({ id: workspaceId }), z.object({ removed: z.boolean() })),
  tiers: call(z.object({}), z.object({ workspaces: z.array(workspaceTier), autoDays: z.number().int() })),
  setTier: call(z.object({ id: workspaceId, pin: tierPin }), workspaceTier),
  cancelTierMove: call(z.object({ id: workspaceId }), z.object({ cancelled: z.boolean() })),
};
