import type { AnswerChannel, AnswerServing } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import type { ChatProvider } from '../providers/provider';
import { channelLevel, channelPhrase, isChannelFailure, type DegradationPolicy } from './degrade';

// Between the answer pipeline and the degradation policy: which provider serves a channel, which channel a provider
// is, and one answer's timings on the wall clock (first token, gaps between tokens) reported to the policy.

/** The LPU channels a resolver can open: all workers, or one. */
export type LpuChannel = 'lpu' | 'lpu_single';

/** What the router needs from the provider resolver (AnswerDeps.providers satisfies it). */
export interface ChannelProviders {
  /** The local model (the active one) on the given worker layout; null when none is installed. */
  local(model?: string, channel?: LpuChannel): Promise<ChatProvider | null>;
}

const channels = new WeakMap<ChatProvider, { channel: AnswerChannel; reopen?: (channel: LpuChannel) => Promise<ChatProvider> }>();

/** Marks a provider as serving `channel`; `reopen` gives the same local model on another worker layout. */
export function tagChannel<P extends ChatProvider>(provider: P, channel: AnswerChannel, reopen?: (channel: LpuChannel) => Promise<ChatProvider>): P {
  channels.set(provider, { channel, reopen });
  return provider;
}

/** The chain step a provider serves; an untagged LPU counts as all its workers. */
export function channelOf(provider: ChatProvider | null): AnswerChannel {
  if (!provider) return 'extractive';
  return channels.get(provider)?.channel ?? provider.id;
}

export interface RoutedProvider {
  provider: ChatProvider | null;
  channel: AnswerChannel;
  /** Present when the answer is not on the channel that was chosen. */
  served?: AnswerServing;
}

/** One answer's timings on one channel. */
export interface ChannelWatch {
  /** A token (or a piece of streamed text) arrived. */
  token(): void;
  succeeded(): void;
  failed(error: unknown): void;
}

export interface DegradationRouter {
  /**
   * The provider for an answer whose chosen provider is `chosen`: itself, or the channel the chain stands at, or
   * `atLeast` (a cold workspace's CPU channel) when that is lower and a local model can serve it.
   */
  route(chosen: ChatProvider | null, providers: ChannelProviders, atLeast?: { channel: AnswerChannel; reason: string }): Promise<RoutedProvider>;
  /** After `failed` failed this answer with `error`: the next step down, or null when the error is not a channel's fault. */
  fallback(failed: ChatProvider, error: unknown, providers: ChannelProviders): Promise<RoutedProvider | null>;
  watch(provider: ChatProvider): ChannelWatch;
}

export function createDegradationRouter(policy: DegradationPolicy, clock: () => number = () => performance.now()): DegradationRouter {
  const open = async (channel: AnswerChannel, from: ChatProvider | null, providers: ChannelProviders): Promise<ChatProvider | null> => {
    if (channel === 'extractive') return null;
    if (channel === 'groq' || channel === 'openai') return from;
    const reopen = from ? channels.get(from)?.reopen : undefined;
    return reopen ? reopen(channel) : providers.local(undefined, channel);
  };

  return {
    async route(chosen, providers, atLeast) {
      // The chain's state says where answers really go; installing or removing a model changes that.
      await policy.refreshLocalModel();
      const preferred = channelOf(chosen);
      const route = policy.route(preferred);
      if (atLeast && channelLevel(atLeast.channel) > channelLevel(route.channel)) {
        // Without a local model to serve it, the lower channel is no cheaper: the answer stays where the chain put it.
        const provider = await open(atLeast.channel, chosen, providers).catch(() => null);
        if (provider) return { provider, channel: atLeast.channel, served: { channel: atLeast.channel, reason: atLeast.reason } };
      }
      if (route.channel === preferred) return { provider: chosen, channel: preferred };
      const provider = await open(route.channel, chosen, providers);
      const channel = provider ? route.channel : 'extractive';
      return { provider, channel, served: { channel, reason: route.reason } };
    },

    async fallback(failed, error, providers) {
      const code = error instanceof AppError ? error.code : undefined;
      if (!isChannelFailure(code)) return null;
      let from = channelOf(failed);
      // Each step that cannot open (no local model installed) hands on to the next.
      for (let next = policy.next(from); next !== null; next = policy.next(from)) {
        const provider = await open(next, failed, providers).catch(() => null);
        if (provider || next === 'extractive') {
          const reason = `${channelPhrase(channelOf(failed))} failed (${(error as AppError).message.replace(/\.$/, '')})`;
          return { provider, channel: next, served: { channel: next, reason } };
        }
        from = next;
      }
      return null;
    },

    watch(provider) {
      const channel = channelOf(provider);
      const asked = clock();
      let last: number | null = null;
      let ttftMs: number | undefined;
      const tokenIntervalsMs: number[] = [];
      let reported = false;
      return {
        token() {
          const now = clock();
          if (last === null) ttftMs = now - asked;
          else tokenIntervalsMs.push(now - last);
          last = now;
        },
        succeeded() {
          if (reported) return;
          reported = true;
          policy.record({ channel, ok: true, ttftMs, tokenIntervalsMs });
        },
        failed(error) {
          if (reported) return;
          reported = true;
          const code = error instanceof AppError ? error.code : 'internal';
          // A cancelled answer says nothing about the channel.
          if (code !== 'cancelled') policy.record({ channel, ok: false, errorCode: code });
        },
      };
    },
  };
}
