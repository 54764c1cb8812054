import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { CATALOGS, type MessageKey } from './catalog.js';
import { formatDate, formatDateTime, formatFen, formatNumber, type Locale } from './format.js';

export type { Locale, MessageKey };

const STORAGE_KEY = 'procureflow.locale';

export interface I18n {
  readonly locale: Locale;
  setLocale(locale: Locale): void;
  /** The console's own text for `key`, with `{name}` placeholders filled from `vars`. */
  t(key: MessageKey, vars?: Readonly<Record<string, string | number>>): string;
  /** A definition's bilingual text ({ zh, en }) in the current language. */
  text(value: { readonly zh: string; readonly en: string } | undefined): string;
  money(fen: number): string;
  number(value: number): string;
  dateTime(iso: string): string;
  date(value: string): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

function initialLocale(): Locale {
  const stored = typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY);
  return stored === 'en' || stored === 'zh-CN' ? stored : 'zh-CN';
}

/** Chinese by default; the choice is remembered in this browser. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLocaleState(next);
  }, []);
  // Screen readers pick their voice from the page's language.
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key, vars) => CATALOGS[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => (vars && name in vars ? String(vars[name]) : whole)),
      text: (bilingual) => (bilingual ? (locale === 'en' ? bilingual.en : bilingual.zh) : ''),
      money: (fen) => formatFen(fen, locale),
      number: (n) => formatNumber(n, locale),
      dateTime: (iso) => formatDateTime(iso, locale),
      date: (day) => formatDate(day, locale),
    }),
    [locale, setLocale],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n must be used inside <I18nProvider>');
  return value;
}
