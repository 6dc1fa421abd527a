import { useState } from 'react';

const storageKey = 'weft.console.theme';
type Mode = 'light' | 'dark' | 'system';

function storedMode(): Mode {
  try {
    const value = localStorage.getItem(storageKey);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

function apply(mode: Mode): void {
  const dark =
    mode === 'dark' || (mode === 'system' && window.matchMedia?.('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

/** Before the first render: the person's choice, else the system's. */
export function applyStoredMode(): void {
  apply(storedMode());
}

/** Light, dark, or as the system says; remembered in this browser (a preference, nothing secret). */
export function ThemeToggle() {
  const [mode, setMode] = useState<Mode>(storedMode);
  return (
    <label className="theme-toggle small">
      <span>Theme</span>
      <select
        className="select"
        value={mode}
        onChange={(event) => {
          const next = event.target.value as Mode;
          setMode(next);
          try {
            if (next === 'system') localStorage.removeItem(storageKey);
            else localStorage.setItem(storageKey, next);
          } catch {}
          apply(next);
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
