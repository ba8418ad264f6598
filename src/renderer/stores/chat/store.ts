import { create } from 'zustand';
import type { ChatEvent, QuickAction } from '../../../shared/contract/chat';
import type { StreamHandle } from '../../../shared/contract/define';
import { AppError } from '../../../shared/errors';
import { client } from '../../ipc/client';
import { errorMessage, isCancelled } from '../../ipc/errors';
import { recordMeterEvent, showStoredMeters } from '../meters/store';
import { useSettingsStore } from '../settings/store';
import { closeViewer, showToast } from '../ui/store';
import { refreshThreads, useWorkspaceStore } from '../workspace/store';
import { draftMessage, foldChatEvent, fromRecord, type ChatMessage } from './reducer';

// The open thread. Messages are kept by id so only the streaming message re-renders per token.
interface ChatState {
  threadId: number | null;
  messageIds: number[];
  messages: Record<number, ChatMessage>;
  streamingId: number | null;
  /** Documents picked in the library to ask about (empty = the whole workspace). */
  documentIds: number[];
  error: string | null;
}

export const useChatStore = create<ChatState>()(() => ({
  threadId: null,
  messageIds: [],
  messages: {},
  streamingId: null,
  documentIds: [],
  error: null,
}));

let activeStream: StreamHandle | null = null;
// Local ids are negative until the server assigns real ones in the "started" event.
let nextLocalId = -1;
// How to re-run an exchange the server refused before starting it (e.g. no Groq key yet), by its draft answer id.
const retries = new Map<number, () => boolean>();

/** Cancels the running answer and ignores whatever it still sends: the chat it belonged to is gone. */
function detachStream(): void {
  const stream = activeStream;
  activeStream = null;
  stream?.cancel();
  retries.clear();
}

export function newThread(): void {
  detachStream();
  closeViewer();
  useChatStore.setState({ threadId: null, messageIds: [], messages: {}, streamingId: null, documentIds: [], error: null });
  showStoredMeters(null, null, null);
}

// A document selection belongs to its workspace: switching (or creating, or deleting) a workspace starts afresh.
useWorkspaceStore.subscribe((state, previous) => {
  if (state.activeWorkspaceId !== previous.activeWorkspaceId) newThread();
});

export async function openThread(id: number): Promise<void> {
  detachStream();
  closeViewer();
  try {
    const { messages } = await client.threads.get({ id });
    const records = messages.map(fromRecord);
    useChatStore.setState({
      threadId: id,
      messageIds: records.map((m) => m.id),
      messages: Object.fromEntries(records.map((m) => [m.id, m])),
      streamingId: null,
      error: null,
    });
    const lastAnswer = [...messages].reverse().find((m) => m.role === 'assistant');
    showStoredMeters(lastAnswer?.meters ?? null, lastAnswer?.provider ?? null, lastAnswer?.model ?? null);
  } catch (error) {
    showToast(errorMessage(error));
  }
}

export const askAboutDocuments = (documentIds: number[]) => useChatStore.setState({ documentIds });

function replaceMessage(fromId: number, message: ChatMessage): void {
  useChatStore.setState((s) => {
    const messages = { ...s.messages };
    delete messages[fromId];
    messages[message.id] = message;
    const messageIds = fromId === message.id ? s.messageIds : s.messageIds.map((id) => (id === fromId ? message.id : id));
    return { messages, messageIds, streamingId: s.streamingId === fromId ? message.id : s.streamingId };
  });
}

/** Runs one answer stream into the assistant message `draftId`. */
function runAnswer(draftId: number, userDraftId: number | null, start: (onEvent: (event: ChatEvent) => void) => StreamHandle): void {
  let currentId = draftId;
  let handle: StreamHandle | null = null;
  const onEvent = (event: ChatEvent) => {
    if (activeStream !== handle) return;
    recordMeterEvent(event);
    if (event.type === 'started') {
      retries.delete(draftId);
      useChatStore.setState({ threadId: event.threadId });
      if (userDraftId !== null) {
        const user = useChatStore.getState().messages[userDraftId];
        if (user) replaceMessage(userDraftId, { ...user, id: event.userMessageId });
      }
    }
    const message = useChatStore.getState().messages[currentId];
    if (!message) return;
    const next = foldChatEvent(message, event);
    replaceMessage(currentId, next);
    currentId = next.id;
  };
  // Until start() returns, `handle` and `activeStream` are both null, so events it delivers synchronously still count.
  const stream = start(onEvent);
  handle = activeStream = stream;
  stream.done
    .then(
      () => retries.delete(draftId),
      (error) => {
        if (activeStream !== stream) return;
        const message = useChatStore.getState().messages[currentId];
        if (!message) return;
        if (isCancelled(error)) retries.delete(draftId);
        replaceMessage(currentId, isCancelled(error) ? { ...message, status: 'cancelled' } : { ...message, status: 'error', error: errorMessage(error), errorCode: error instanceof AppError ? error.code : null });
      },
    )
    .finally(() => {
      // A detached stream may still have created a thread, so the list is refreshed either way.
      void refreshThreads();
      if (activeStream !== stream) return;
      activeStream = null;
      useChatStore.setState({ streamingId: null });
    });
}

/** Shows the user's turn and an empty streaming answer, then runs the answer stream into it. */
function startExchange(userText: string, retry: () => boolean, start: (onEvent: (event: ChatEvent) => void) => StreamHandle): void {
  const userId = nextLocalId--;
  const assistantId = nextLocalId--;
  useChatStore.setState((s) => ({
    messageIds: [...s.messageIds, userId, assistantId],
    messages: { ...s.messages, [userId]: draftMessage(userId, 'user', userText), [assistantId]: draftMessage(assistantId, 'assistant') },
    streamingId: assistantId,
    error: null,
  }));
  retries.set(assistantId, () => {
    dropMessages([userId, assistantId]);
    return retry();
  });
  runAnswer(assistantId, userId, start);
}

function dropMessages(ids: number[]): void {
  useChatStore.setState((s) => {
    const messages = { ...s.messages };
    for (const id of ids) delete messages[id];
    return { messages, messageIds: s.messageIds.filter((id) => !ids.includes(id)) };
  });
}

/** Sends a question; false when it was not sent because an answer is still streaming. */
export function askQuestion(question: string): boolean {
  if (activeStream) return false;
  const settings = useSettingsStore.getState().settings;
  const { threadId, documentIds } = useChatStore.getState();
  const request = {
    question,
    threadId: threadId ?? undefined,
    workspaceId: useWorkspaceStore.getState().activeWorkspaceId ?? undefined,
    documentIds: documentIds.length ? documentIds : undefined,
    mode: settings?.answerMode,
    provider: settings?.provider,
  };
  startExchange(question, () => askQuestion(question), (onEvent) => client.chat.ask(request, onEvent));
  return true;
}

/** Summarize, key points or translate one document, as a new exchange in the open thread. */
export function runQuickAction(action: QuickAction, documentId: number, label: string): boolean {
  if (activeStream) return false;
  const request = { action, documentId, threadId: useChatStore.getState().threadId ?? undefined, provider: useSettingsStore.getState().settings?.provider };
  startExchange(label, () => runQuickAction(action, documentId, label), (onEvent) => client.chat.quickAction(request, onEvent));
  return true;
}

/** Replaces an answer with a fresh one to the same question. */
export function regenerateAnswer(messageId: number): boolean {
  if (activeStream) return false;
  const draftId = nextLocalId--;
  useChatStore.setState((s) => ({
    messageIds: s.messageIds.map((id) => (id === messageId ? draftId : id)),
    messages: { ...s.messages, [draftId]: draftMessage(draftId, 'assistant') },
    streamingId: draftId,
  }));
  retries.set(draftId, () => {
    // The old answer is still in `messages`: put it back in its place, then ask again.
    useChatStore.setState((s) => ({ messageIds: s.messageIds.map((id) => (id === draftId ? messageId : id)) }));
    dropMessages([draftId]);
    return regenerateAnswer(messageId);
  });
  const provider = useSettingsStore.getState().settings?.provider;
  runAnswer(draftId, null, (onEvent) => client.chat.regenerate({ messageId, provider }, onEvent));
  return true;
}

/** True for a failed answer the server never started, which can be sent again as it was. */
export const canRetry = (message: ChatMessage) => message.status === 'error' && retries.has(message.id);

/** Sends a failed exchange again (with the settings as they are now, e.g. after a Groq key was saved). */
export function retryAnswer(draftId: number): boolean {
  const retry = retries.get(draftId);
  if (!retry || activeStream) return false;
  retries.delete(draftId);
  return retry();
}

export function stopAnswer(): void {
  activeStream?.cancel();
}
