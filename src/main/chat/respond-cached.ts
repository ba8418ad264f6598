import type { MessageRecord } from '../../shared/contract/chat';
import { answerSettingsKey, replayCachedAnswer, type AnswerCacheKey } from './answer-cache';
import { NOT_FOUND, respond, type AnswerDeps, type AnswerPlan, type Emit } from './respond';

/**
 * The answer cache around respond(), for questions and quick actions alike: a hit is replayed at once (never when
 * regenerating, which reads nothing and stores its new answer), and a complete answer is stored under the provider
 * and model that actually answered, as of the content version it was answered from.
 */
export async function respondThroughCache(
  deps: AnswerDeps,
  plan: AnswerPlan,
  scope: Pick<AnswerCacheKey, 'workspaceId' | 'mode' | 'documentIds'>,
  emit: Emit,
  signal: AbortSignal,
): Promise<MessageRecord> {
  const cache = deps.answerCache;
  if (!cache) return respond(deps, plan, emit, signal);
  const key: AnswerCacheKey = {
    ...scope,
    question: plan.query,
    provider: plan.provider?.id ?? 'extractive',
    model: plan.provider?.model ?? 'extractive',
    // A quick action searches nothing and sizes its answer from the model's window: those settings do not shape it.
    settings: scope.mode === 'quick_action' ? undefined : answerSettingsKey(deps.settings.get()),
  };
  const version = cache.contentVersion(scope.workspaceId);
  const hit = plan.replaceMessageId === undefined ? cache.get(key) : null;
  // The metrics see a replay as a cache hit, not as a new answer with its own timings.
  if (hit) return replayCachedAnswer(deps.threads, plan, hit, deps.answerTap?.(emit).emit ?? emit);
  const record = await respond(deps, plan, emit, signal);
  if (record.status === 'complete' && record.content && record.content !== NOT_FOUND && record.provider) {
    cache.put({ ...key, provider: record.provider, model: record.model ?? key.model }, version, record);
  }
  return record;
}
