import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PAGE_LANGUAGES = ['lt', 'en'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

export type Catalogue = Record<string, string>;

/** Lithuanian is the default: a missing or unknown language falls back to it. */
export function pageLanguage(value: unknown): PageLanguage {
  return value === 'en' ? 'en' : 'lt';
}

/**
 * The message catalogue, one flat JSON file per language beside the views (so it ships with them). Every
 * label on a page comes from here; a key missing in a language is a bug the catalogue test catches.
 */
export class Messages {
  private readonly catalogues: Record<PageLanguage, Catalogue>;

  constructor(dir: string) {
    this.catalogues = {
      lt: JSON.parse(readFileSync(join(dir, 'lt.json'), 'utf8')) as Catalogue,
      en: JSON.parse(readFileSync(join(dir, 'en.json'), 'utf8')) as Catalogue,
    };
  }

  has(lang: PageLanguage, key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.catalogues[lang], key);
  }

  keys(lang: PageLanguage): string[] {
    return Object.keys(this.catalogues[lang]);
  }

  /** `{name}` placeholders are filled from params; a missing key throws so no page ships a raw key. */
  t(lang: PageLanguage, key: string, params: Record<string, unknown> = {}): string {
    if (!this.has(lang, key)) throw new Error(`message ${key} is missing in ${lang}`);
    return this.catalogues[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }
}
