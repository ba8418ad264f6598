import { useEffect } from 'react';
import { newThread, stopAnswer, useChatStore } from '../../stores/chat/store';
import { closeViewer, showView, useUiStore } from '../../stores/ui/store';

const dialogOpen = () => document.querySelector('[role="dialog"], [role="alertdialog"]') !== null;
// Esc in a search field clears the field (the browser's own behaviour), so it is not also a window shortcut.
const inSearchField = (target: EventTarget | null) => target instanceof HTMLInputElement && target.type === 'search';

/** Window-wide keys: Ctrl/Cmd+K starts a new thread, Ctrl/Cmd+Shift+F searches conversations, Esc stops an answer (or closes the viewer). */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // A menu or dialog that handled the key owns it.
      if (event.defaultPrevented || dialogOpen()) return;
      if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.key.toLowerCase() === 'f') {
        event.preventDefault();
        showView('search');
        requestAnimationFrame(() => document.getElementById('search-input')?.focus());
      } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        newThread();
        showView('chat');
        requestAnimationFrame(() => document.getElementById('composer-input')?.focus());
      } else if (event.key === 'Escape' && !inSearchField(event.target)) {
        if (useChatStore.getState().streamingId !== null) stopAnswer();
        else if (useUiStore.getState().viewerSource) closeViewer();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
