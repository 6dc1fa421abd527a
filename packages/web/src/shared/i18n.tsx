import type { EmbedTranslation } from '@weft/embed/protocol';
import { createContext, type ReactNode, useContext } from 'react';

export type Phrases = Record<string, string>;
export type Translate = (key: string, values?: Record<string, string | number>) => string;

/**
 * Every string the pages show goes through `t(key)`: the host overrides any of them (`init({translation:
 * {phrases}})`), in Prismatic's shape too (`{_: "Please contact %{organization}"}`), and `debugMode` shows the keys.
 * Placeholders are `{name}` or `%{name}`.
 */
export function createTranslator(defaults: Phrases, translation?: EmbedTranslation): Translate {
  const overrides = (translation?.phrases ?? {}) as Record<string, unknown>;
  return (key, values) => {
    if (translation?.debugMode) return `[${key}]`;
    const override = overrides[key];
    const template =
      typeof override === 'string'
        ? override
        : typeof (override as { _?: unknown } | undefined)?._ === 'string'
          ? (override as { _: string })._
          : (defaults[key] ?? key);
    if (!values) return template;
    return template.replace(/%?\{(\w+)\}/g, (match, name: string) =>
      name in values ? String(values[name]) : match,
    );
  };
}

const TranslateContext = createContext<Translate>((key) => key);

export function TranslateProvider({ translate, children }: { translate: Translate; children: ReactNode }) {
  return <TranslateContext.Provider value={translate}>{children}</TranslateContext.Provider>;
}

export function useT(): Translate {
  return useContext(TranslateContext);
}

/** Dates and times in the host's locale (`translation.locale`) or the browser's. */
export function formatDateTime(value: string | null | undefined, locale?: string): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
