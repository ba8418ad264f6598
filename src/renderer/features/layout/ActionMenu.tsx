import { useRef, useState, type KeyboardEvent } from 'react';
import { Icon } from './icons';

export interface MenuAction {
  label: string;
  onSelect(): void;
  danger?: boolean;
}

/** A "…" button that opens a small list of actions; closes when focus leaves it. */
export function ActionMenu({ label, actions }: { label: string; actions: MenuAction[] }) {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  // Esc closes the menu and nothing else: the window's Esc (stop the answer, close the viewer) must not fire too.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !open) return;
    event.preventDefault();
    event.stopPropagation();
    setOpen(false);
    toggle.current?.focus();
  };
  return (
    <div className="action-menu" onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && setOpen(false)} onKeyDown={onKeyDown}>
      <button ref={toggle} className="button icon-button ghost small" aria-label={label} aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name="more" />
      </button>
      {open && (
        <div className="menu" role="menu">
          {actions.map((action) => (
            <button
              key={action.label}
              role="menuitem"
              className={action.danger ? 'danger' : undefined}
              onClick={() => {
                setOpen(false);
                action.onSelect();
              }}
            >
              {action.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
