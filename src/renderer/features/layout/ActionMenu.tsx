import { useState } from 'react';
import { Icon } from './icons';

export interface MenuAction {
  label: string;
  onSelect(): void;
  danger?: boolean;
}

/** A "…" button that opens a small list of actions; closes when focus leaves it. */
export function ActionMenu({ label, actions }: { label: string; actions: MenuAction[] }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="action-menu" onBlur={(e) => !e.currentTarget.contains(e.relatedTarget) && setOpen(false)} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <button className="button icon-button ghost small" aria-label={label} aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
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
