import { useUiStore } from '../../stores/ui/store';

export function Toast() {
  const toast = useUiStore((s) => s.toast);
  if (!toast) return null;
  return (
    <div className="toast" role="status" aria-live="polite" data-testid="toast">
      {toast}
    </div>
  );
}
