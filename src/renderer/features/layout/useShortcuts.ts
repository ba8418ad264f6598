import { useEffect } from 'react';
import { newThread, stopAnswer, useChatStore } from '../../stores/chat/store';
import { showView, useUiStore } from '../../stores/ui/store';

/** Window-wide keys: Ctrl/Cmd+K starts a new thread, Esc stops an answer (or closes the viewer). */
export function useShortcuts(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        newThread();
        showView('chat');
        requestAnimationFrame(() => document.getElementById('composer-input')?.focus());
      } else if (event.key === 'Escape' && !document.querySelector('[role="dialog"]')) {
        if (useChatStore.getState().streamingId !== null) stopAnswer();
        else if (useUiStore.getState().viewerSource) useUiStore.setState({ viewerSource: null });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
