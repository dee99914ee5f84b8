/**
 * Interface language: English or Japanese, chosen from the browser on first visit, switchable, and
 * remembered in localStorage. Organism, label and finding names come from the shared taxonomy.
 */
import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import {
  LABELS,
  MORPHOTYPE_KEYS,
  MORPHOTYPES,
  NO_ORGANISMS,
  isLabelKey,
  isMorphotypeKey,
} from '../../../src/domain/taxonomy.js';
import type { LocalisedText } from '../../../src/domain/analysis-result.js';
import { en, type Messages } from './en';
import { ja } from './ja';

export const LANGUAGES = ['en', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'gramscope.language';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}

function readStored(): Language | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'en' || v === 'ja' ? v : null;
  } catch {
    // Storage can be blocked in isolation browsers; fall back to the browser's language.
    return null;
  }
}

/** The remembered choice, else the first of the browser's languages we support, else English. */
export function detectLanguage(): Language {
  const stored = readStored();
  if (stored) return stored;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'ja') return 'ja';
    if (base === 'en') return 'en';
  }
  return 'en';
}

export function initI18n(): typeof i18next {
  const lng = detectLanguage();
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, ja: { translation: ja } },
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  document.documentElement.lang = lng;
  return i18next;
}

export function setLanguage(lng: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lng);
  } catch {
    // Not remembered, but still switched for this page.
  }
  document.documentElement.lang = lng;
  void i18next.changeLanguage(lng);
}

export function currentLanguage(): Language {
  return i18next.language === 'ja' ? 'ja' : 'en';
}

/** A label's display name in a language; unknown (unmapped model) labels show as given. */
export function labelName(label: string, lng: Language): string {
  return isLabelKey(label) ? LABELS[label][lng] : label;
}

export function morphotypeName(key: string, lng: Language): string {
  return isMorphotypeKey(key) ? MORPHOTYPES[key][lng] : key;
}

export function localised(text: LocalisedText, lng: Language): string {
  return text[lng] || text.en;
}

const FINDING_EN_TO_JA: ReadonlyMap<string, string> = new Map([
  ...MORPHOTYPE_KEYS.map((k) => [MORPHOTYPES[k].en, MORPHOTYPES[k].ja] as const),
  [NO_ORGANISMS.en, NO_ORGANISMS.ja],
]);

/**
 * A finding the server gave only in English (list items carry `finding` as English text), shown in
 * the current language. Findings are taxonomy names joined with " and " (src/analysis/summarise.ts);
 * anything else is shown as given rather than guessed.
 */
export function findingFromEnglish(en: string, lng: Language): string {
  if (lng === 'en') return en;
  const parts = en.split(' and ').map((p) => FINDING_EN_TO_JA.get(p));
  return parts.every((p) => p !== undefined) ? parts.join('、') : en;
}

/** The translation hook plus the current language narrowed to our two. */
export function useI18n() {
  const { t, i18n } = useTranslation();
  const lng: Language = i18n.language === 'ja' ? 'ja' : 'en';
  return { t, lng };
}

/** Formats numbers and dates for the current language. */
export function formatDateTime(iso: string, lng: Language): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lng === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(d);
}

export function formatScore(score: number): string {
  return score.toFixed(2);
}

export function formatPercent(share: number): string {
  return `${Math.round(share * 100)} %`;
}
