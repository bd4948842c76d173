import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PAGE_LANGUAGES = ['lt', 'en'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

/**
 * The languages of the public pages a person reaches from a letter (the response link): the four of the
 * contacts register. Russian and Polish catalogues hold only those pages' keys (`respond.page.*`).
 */
export const PUBLIC_LANGUAGES = ['lt', 'ru', 'pl', 'en'] as const;
export type PublicLanguage = (typeof PUBLIC_LANGUAGES)[number];

export type Catalogue = Record<string, string>;

/** Lithuanian is the default: a missing or unknown language falls back to it. */
export function pageLanguage(value: unknown): PageLanguage {
  return value === 'en' ? 'en' : 'lt';
}

export function isPublicLanguage(value: unknown): value is PublicLanguage {
  return typeof value === 'string' && (PUBLIC_LANGUAGES as readonly string[]).includes(value);
}

/** A page's language for its messages: the public pages' four, anything else as pageLanguage reads it. */
export function messageLanguage(value: unknown): PublicLanguage {
  return isPublicLanguage(value) ? value : pageLanguage(value);
}

/**
 * The message catalogue, one flat JSON file per language beside the views (so it ships with them). Every
 * label on a page comes from here; a key missing in a language is a bug the catalogue test catches.
 */
export class Messages {
  private readonly catalogues: Record<PublicLanguage, Catalogue>;

  constructor(dir: string) {
    const read = (lang: PublicLanguage): Catalogue => JSON.parse(readFileSync(join(dir, `${lang}.json`), 'utf8')) as Catalogue;
    this.catalogues = { lt: read('lt'), en: read('en'), ru: read('ru'), pl: read('pl') };
  }

  has(lang: PublicLanguage, key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.catalogues[lang], key);
  }

  keys(lang: PublicLanguage): string[] {
    return Object.keys(this.catalogues[lang]);
  }

  /** `{name}` placeholders are filled from params; a missing key throws so no page ships a raw key. */
  t(lang: PublicLanguage, key: string, params: Record<string, unknown> = {}): string {
    if (!this.has(lang, key)) throw new Error(`message ${key} is missing in ${lang}`);
    return this.catalogues[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }
}
