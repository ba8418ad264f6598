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

export function newThread(): void {
  stopAnswer();
  closeViewer();
  useChatStore.setState({ threadId: null, messageIds: [], messages: {}, streamingId: null, error: null });
  showStoredMeters(null, null, null);
}

export async function openThread(id: number): Promise<void> {
  stopAnswer();
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
  const onEvent = (event: ChatEvent) => {
    recordMeterEvent(event);
    if (event.type === 'started') {
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
  activeStream = start(onEvent);
  const handle = activeStream;
  handle.done
    .catch((error) => {
      const message = useChatStore.getState().messages[currentId];
      if (!message) return;
      replaceMessage(currentId, isCancelled(error) ? { ...message, status: 'cancelled' } : { ...message, status: 'error', error: errorMessage(error), errorCode: error instanceof AppError ? error.code : null });
    })
    .finally(() => {
      if (activeStream === handle) activeStream = null;
      useChatStore.setState({ streamingId: null });
      void refreshThreads();
    });
}

/** Shows the user's turn and an empty streaming answer, then runs the answer stream into it. */
function startExchange(userText: string, start: (onEvent: (event: ChatEvent) => void) => StreamHandle): void {
  const userId = nextLocalId--;
  const assistantId = nextLocalId--;
  useChatStore.setState((s) => ({
    messageIds: [...s.messageIds, userId, assistantId],
    messages: { ...s.messages, [userId]: draftMessage(userId, 'user', userText), [assistantId]: draftMessage(assistantId, 'assistant') },
    streamingId: assistantId,
    error: null,
  }));
  runAnswer(assistantId, userId, start);
}

export function askQuestion(question: string): void {
  if (activeStream) return;
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
  startExchange(question, (onEvent) => client.chat.ask(request, onEvent));
}

/** Summarize, key points or translate one document, as a new exchange in the open thread. */
export function runQuickAction(action: QuickAction, documentId: number, label: string): void {
  if (activeStream) return;
  const request = { action, documentId, threadId: useChatStore.getState().threadId ?? undefined, provider: useSettingsStore.getState().settings?.provider };
  startExchange(label, (onEvent) => client.chat.quickAction(request, onEvent));
}

/** Replaces an answer with a fresh one to the same question. */
export function regenerateAnswer(messageId: number): void {
  if (activeStream) return;
  const draftId = nextLocalId--;
  useChatStore.setState((s) => ({
    messageIds: s.messageIds.map((id) => (id === messageId ? draftId : id)),
    messages: { ...s.messages, [draftId]: draftMessage(draftId, 'assistant') },
    streamingId: draftId,
  }));
  const provider = useSettingsStore.getState().settings?.provider;
  runAnswer(draftId, null, (onEvent) => client.chat.regenerate({ messageId, provider }, onEvent));
}

export function stopAnswer(): void {
  activeStream?.cancel();
}
