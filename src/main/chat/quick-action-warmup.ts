import type { AnswerChannel } from '../../shared/contract/chat';
import type { ChatTurn } from '../providers/provider';
import type { LpuChannel } from '../ops/degrade-route';
import { quickActionPrefixes } from './quick-actions';

// When a workspace is opened, a hot one gets the local model loaded and the quick actions' fixed system turns in its
// KV prefix cache, so "Summarise", "Key points" and "Translate" start from cached prefill. Cold workspaces and a
// chain stepped down to extractive answers are left alone: warming would spend memory nothing there will use.

export interface WarmupDeps {
  /** Where the workspace's knowledge lives (engineer D's tiers): only hot workspaces are warmed. */
  tierOf(workspaceId: number): 'hot' | 'cold';
  /** The best channel the degradation chain allows now. */
  floor(): AnswerChannel;
  warmLocal(prefixes: ChatTurn[][], channel: LpuChannel): Promise<number>;
}

export type WarmupResult = { warmed: true; tokens: number } | { warmed: false; reason: 'cold_workspace' | 'degraded_to_extractive' | 'no_local_model' };

export async function warmQuickActions(deps: WarmupDeps, workspaceId: number): Promise<WarmupResult> {
  if (deps.tierOf(workspaceId) !== 'hot') return { warmed: false, reason: 'cold_workspace' };
  const floor = deps.floor();
  if (floor === 'extractive') return { warmed: false, reason: 'degraded_to_extractive' };
  // The layout answers would use now: a chain on the single-worker channel keeps that model, not the two-worker one.
  const tokens = await deps.warmLocal(quickActionPrefixes(), floor === 'lpu_single' ? 'lpu_single' : 'lpu');
  return tokens > 0 ? { warmed: true, tokens } : { warmed: false, reason: 'no_local_model' };
}
