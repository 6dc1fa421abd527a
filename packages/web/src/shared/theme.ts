import { type EmbedTheme, themeKeyKinds, themeValuePatterns } from '@weft/embed/protocol';

/** CSS custom property of each theme key (styles.css reads these). */
const cssVariables: Record<keyof typeof themeKeyKinds, string> = {
  primary: '--weft-primary',
  primaryText: '--weft-primary-text',
  background: '--weft-background',
  surface: '--weft-surface',
  text: '--weft-text',
  mutedText: '--weft-muted',
  border: '--weft-border',
  danger: '--weft-danger',
  success: '--weft-success',
  fontFamily: '--weft-font',
  radius: '--weft-radius',
};

const patterns = Object.fromEntries(
  Object.entries(themeValuePatterns).map(([kind, source]) => [kind, new RegExp(source)]),
) as Record<keyof typeof themeValuePatterns, RegExp>;

/**
 * Applies the organization's theme, then the host's (`init({theme})`) over it. A value that is not a plain colour,
 * font list or length is ignored (the same patterns the server enforces), so nothing can be injected into the CSS.
 */
export function applyTheme(...themes: Array<EmbedTheme | Record<string, string> | undefined>): void {
  const root = document.documentElement;
  let mode: 'light' | 'dark' | undefined;
  for (const theme of themes) {
    if (!theme) continue;
    if (theme.mode === 'light' || theme.mode === 'dark') mode = theme.mode;
    for (const [key, kind] of Object.entries(themeKeyKinds) as Array<
      [keyof typeof themeKeyKinds, keyof typeof patterns]
    >) {
      const value = (theme as Record<string, unknown>)[key];
      if (typeof value === 'string' && value.length <= 200 && patterns[kind].test(value)) {
        root.style.setProperty(cssVariables[key], value);
      }
    }
  }
  if (mode) root.dataset.theme = mode;
}

/** The mode the URL asks for (`?theme=dark`), applied before anything renders so the page does not flash. */
export function applyModeFromUrl(): void {
  const mode = new URLSearchParams(window.location.search).get('theme');
  if (mode === 'dark' || mode === 'light') document.documentElement.dataset.theme = mode;
}
