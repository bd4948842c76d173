import { showCount } from '@tiltas/common';
import Handlebars from 'handlebars';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Messages, messageLanguage } from './messages';

/** Where the templates are, in the source tree and in dist alike (assets are copied beside src). */
export const VIEWS_DIR = join(__dirname, '..', '..', 'views');

type Helpers = Record<string, Handlebars.HelperDelegate>;

/**
 * One isolated Handlebars instance for the pages: one layout, partials and helpers registered once,
 * strict mode so a misspelt field fails loudly in tests instead of rendering an empty cell.
 */
export class ViewEngine {
  readonly hbs = Handlebars.create();
  readonly messages: Messages;
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();

  constructor(
    private readonly dir: string = VIEWS_DIR,
    helpers: Helpers = {},
    private readonly cacheTemplates = true,
  ) {
    this.messages = new Messages(join(dir, 'i18n'));
    for (const [name, fn] of Object.entries({ ...BASE_HELPERS, ...pageHelpers(this.messages), ...helpers })) this.hbs.registerHelper(name, fn);
    const partials = join(dir, 'partials');
    if (existsSync(partials)) {
      for (const file of readdirSync(partials).filter((f) => f.endsWith('.hbs'))) {
        this.hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partials, file), 'utf8'));
      }
    }
  }

  private template(path: string): Handlebars.TemplateDelegate {
    let t = this.cacheTemplates ? this.cache.get(path) : undefined;
    if (!t) {
      t = this.hbs.compile(readFileSync(path, 'utf8'), { strict: false, noEscape: false });
      this.cache.set(path, t);
    }
    return t;
  }

  render(page: string, context: Record<string, unknown>, layout = 'main'): string {
    const body = this.template(join(this.dir, 'pages', `${page}.hbs`))(context);
    if (layout === 'none') return body;
    return this.template(join(this.dir, 'layouts', `${layout}.hbs`))({ ...context, body });
  }

  /** The express engine signature, so `res.render('page', ctx)` works. */
  expressEngine() {
    return (path: string, options: Record<string, unknown>, callback: (err: Error | null, html?: string) => void): void => {
      try {
        const page = basename(path, '.hbs');
        const layout = typeof options.layout === 'string' ? options.layout : 'main';
        callback(null, this.render(page, options, layout));
      } catch (err) {
        callback(err as Error);
      }
    };
  }
}

const BASE_HELPERS: Helpers = {
  eq: (a: unknown, b: unknown) => a === b,
  json: (value: unknown) => JSON.stringify(value, null, 2),
  yesNo: (value: unknown) => (value ? 'yes' : 'no'),
};

const VILNIUS_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Vilnius', year: 'numeric', month: '2-digit', day: '2-digit' });
const VILNIUS_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Vilnius', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

function instant(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'string' || typeof value === 'number') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

/** A calendar date as YYYY-MM-DD: register dates pass as they are, instants become Vilnius's date. */
export function formatDate(value: unknown): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = instant(value);
  return d ? VILNIUS_DATE.format(d) : '';
}

/** An instant as `YYYY-MM-DD HH:mm`, in Europe/Vilnius whatever the server's zone. */
export function formatTime(value: unknown): string {
  const d = instant(value);
  return d ? `${VILNIUS_DATE.format(d)} ${VILNIUS_TIME.format(d)}` : '';
}

/** DESIGN.md: a count under 5 is "<5" outside the case itself and the national admin view (an absent count is blank). */
export function smallCount(value: unknown, seesSmall: boolean): string {
  if (value === '<5') return '<5';
  if (value === null || value === undefined || value === '') return '';
  const n = Number(value);
  if (!Number.isFinite(n)) return '';
  return String(showCount(n, seesSmall));
}

type HelperOptions = Handlebars.HelperOptions & { data: { root: Record<string, unknown> } };

/**
 * Helpers that read the page's root context: `lang` (the user's language), `csrfToken` (the session's
 * synchronizer token) and `seesSmallCounts` (set only for the national admin view and the case page).
 */
function pageHelpers(messages: Messages): Helpers {
  const root = (options: HelperOptions): Record<string, unknown> => options.data?.root ?? {};
  return {
    /** `{{t "key" name=value}}`, or `{{t key params}}` with a params object from the context. */
    t(this: unknown, ...args: unknown[]) {
      const options = args.pop() as HelperOptions;
      const params = typeof args[1] === 'object' && args[1] !== null ? (args[1] as Record<string, unknown>) : {};
      return messages.t(messageLanguage(root(options).lang), String(args[0]), { ...params, ...(options.hash as Record<string, unknown>) });
    },
    concat: (...args: unknown[]) => args.slice(0, -1).map(String).join(''),
    date: (value: unknown) => formatDate(value),
    time: (value: unknown) => formatTime(value),
    count(value: unknown, options: HelperOptions) {
      return smallCount(value, root(options).seesSmallCounts === true);
    },
    csrf(options: HelperOptions) {
      const token = root(options).csrfToken;
      return new Handlebars.SafeString(`<input type="hidden" name="_csrf" value="${Handlebars.escapeExpression(String(token ?? ''))}">`);
    },
    or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
    and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
    not: (value: unknown) => !value,
    gt: (a: unknown, b: unknown) => Number(a) > Number(b),
    percent: (part: unknown, whole: unknown) => {
      const w = Number(whole);
      return w > 0 ? Math.round((Number(part) / w) * 100) : 0;
    },
  };
}
