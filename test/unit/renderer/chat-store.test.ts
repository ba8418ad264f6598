import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatEvent } from '../../../src/shared/contract/chat';
import { AppError } from '../../../src/shared/errors';

// The chat store against a scripted client: each ask() opens a stream the test feeds and ends by hand.
interface ScriptedStream {
  request: { question: string; documentIds?: number[] };
  emit(event: ChatEvent): void;
  finish(): void;
  fail(error: unknown): void;
  cancelled: boolean;
}
const streams: ScriptedStream[] = [];

vi.mock('../../../src/renderer/ipc/client', () => ({
  client: {
    chat: {
      ask(request: ScriptedStream['request'], onEvent: (event: ChatEvent) => void) {
        let finish!: () => void;
        let fail!: (error: unknown) => void;
        const done = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
        const stream: ScriptedStream = { request, emit: onEvent, finish, fail, cancelled: false };
        streams.push(stream);
        return {
          done,
          cancel() {
            stream.cancelled = true;
            fail(new AppError('cancelled', 'Stopped.'));
          },
        };
      },
    },
    threads: { list: async () => [] },
  },
}));

const { askAboutDocuments, askQuestion, canRetry, newThread, retryAnswer, stopAnswer, useChatStore } = await import('../../../src/renderer/stores/chat/store');
const { useWorkspaceStore } = await import('../../../src/renderer/stores/workspace/store');

const started = (n: number): ChatEvent => ({ type: 'started', threadId: 7, userMessageId: n, assistantMessageId: n + 1, provider: 'lpu', model: 'stories260K', query: 'q' });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const messages = () => useChatStore.getState().messageIds.map((id) => useChatStore.getState().messages[id]!);

beforeEach(async () => {
  stopAnswer();
  await settle();
  newThread();
  streams.length = 0;
});

describe('chat store', () => {
  it('forgets the document selection when the workspace changes or a new thread starts', () => {
    useWorkspaceStore.setState({ activeWorkspaceId: 1 });
    askAboutDocuments([3, 4]);
    useWorkspaceStore.setState({ activeWorkspaceId: 2 });
    expect(useChatStore.getState().documentIds).toEqual([]);
    askAboutDocuments([5]);
    newThread();
    expect(useChatStore.getState().documentIds).toEqual([]);
  });

  it('sends the selection with the question, and refuses a second question while one streams', () => {
    askAboutDocuments([5]);
    expect(askQuestion('first')).toBe(true);
    expect(streams[0]!.request.documentIds).toEqual([5]);
    expect(askQuestion('second')).toBe(false);
    expect(streams).toHaveLength(1);
  });

  it('ignores late events and the end of a stream detached by a new thread', async () => {
    askQuestion('old question');
    const old = streams[0]!;
    newThread();
    expect(old.cancelled).toBe(true);
    expect(askQuestion('new question')).toBe(true);
    old.emit(started(10));
    old.emit({ type: 'delta', text: 'stale text' });
    await settle();
    const state = useChatStore.getState();
    expect(state.threadId).toBeNull();
    expect(state.streamingId).not.toBeNull();
    expect(messages().map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'new question', 'complete'],
      ['assistant', '', 'streaming'],
    ]);
    streams[1]!.emit(started(20));
    streams[1]!.emit({ type: 'delta', text: 'fresh' });
    expect(messages()[1]).toMatchObject({ id: 21, content: 'fresh' });
  });

  it('offers a retry for a question refused before it started, and sends the same text again', async () => {
    askQuestion('What is a trace tree?');
    streams[0]!.fail(new AppError('groq_no_key', 'Add a Groq API key in Settings to answer with Groq.'));
    await settle();
    const failed = messages()[1]!;
    expect(failed).toMatchObject({ status: 'error', errorCode: 'groq_no_key' });
    expect(canRetry(failed)).toBe(true);
    expect(retryAnswer(failed.id)).toBe(true);
    expect(streams[1]!.request.question).toBe('What is a trace tree?');
    expect(messages().map((m) => [m.role, m.content, m.status])).toEqual([
      ['user', 'What is a trace tree?', 'complete'],
      ['assistant', '', 'streaming'],
    ]);
  });

  it('offers no retry once the server started the answer', async () => {
    askQuestion('q');
    streams[0]!.emit(started(30));
    streams[0]!.fail(new AppError('lpu_failed', 'The emulator stopped.'));
    await settle();
    const failed = messages()[1]!;
    expect(failed).toMatchObject({ id: 31, status: 'error' });
    expect(canRetry(failed)).toBe(false);
    expect(retryAnswer(failed.id)).toBe(false);
  });
});
