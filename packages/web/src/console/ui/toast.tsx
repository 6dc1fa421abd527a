import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';

export interface Toast {
  kind: 'success' | 'error' | 'info';
  message: string;
}

type ShowToast = (toast: Toast) => void;

const ToastContext = createContext<ShowToast>(() => {});
let outside: ShowToast | undefined;

/** For code outside React (the query client's global error handler). */
export function toastFromOutside(toast: Toast): void {
  outside?.(toast);
}

/**
 * Short messages after a change ("Published version 3") or a failure no screen shows itself. Announced to screen
 * readers (`role="status"`, errors `role="alert"`); at most three at once; each goes after 4 s, errors stay until closed.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Array<Toast & { id: number }>>([]);
  const show = useCallback<ShowToast>((toast) => {
    const id = Date.now() + Math.random();
    setToasts((current) => [...current.slice(-2), { ...toast, id }]);
    if (toast.kind !== 'error') {
      setTimeout(() => setToasts((current) => current.filter((t) => t.id !== id)), 4_000);
    }
  }, []);
  useEffect(() => {
    outside = show;
    return () => {
      if (outside === show) outside = undefined;
    };
  }, [show]);
  const renderToast = (toast: Toast & { id: number }) => (
    <div key={toast.id} className={`notice ${toast.kind} row toast`} data-testid="toast">
      <span className="spacer">{toast.message}</span>
      <button
        type="button"
        className="button link"
        aria-label="Dismiss"
        onClick={() => setToasts((current) => current.filter((t) => t.id !== toast.id))}
      >
        ×
      </button>
    </div>
  );
  return (
    <ToastContext.Provider value={show}>
      {children}
      {/* Two live regions that are always there (a region that appears with its text is often not read out). */}
      <div className="toasts">
        <div role="status" aria-live="polite" className="toast-region">
          {toasts.filter((toast) => toast.kind !== 'error').map(renderToast)}
        </div>
        <div role="alert" className="toast-region">
          {toasts.filter((toast) => toast.kind === 'error').map(renderToast)}
        </div>
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ShowToast {
  return useContext(ToastContext);
}
