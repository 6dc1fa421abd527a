import { type ReactNode, useEffect, useId, useRef } from 'react';

/**
 * A modal dialog on the native `<dialog>` (focus trapped and restored, Esc closes, the rest of the page inert).
 * Render it only while open: it opens when mounted.
 */
export function Dialog({
  title,
  onClose,
  children,
  footer,
  wide,
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`console-dialog${wide ? ' wide' : ''}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="stack">
        <div className="row">
          <h2 id={titleId} className="spacer">
            {title}
          </h2>
          <button type="button" className="button link" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
        {footer && <div className="row wrap dialog-footer">{footer}</div>}
      </div>
    </dialog>
  );
}

/** "Are you sure?" for what cannot be undone: says what will happen, the dangerous button names the action. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  title: ReactNode;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  error?: string | undefined;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button danger" disabled={busy} onClick={onConfirm}>
            {confirmLabel}
          </button>
        </>
      }
    >
      <div className="stack-tight">{children}</div>
      {error && (
        <div className="notice error" role="alert">
          {error}
        </div>
      )}
    </Dialog>
  );
}
