import Handlebars from 'handlebars';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Where the templates are, in the source tree and in dist alike (assets are copied beside src). */
export const VIEWS_DIR = join(__dirname, '..', '..', 'views');

type Helpers = Record<string, Handlebars.HelperDelegate>;

/**
 * One isolated Handlebars instance for the pages: one layout, partials and helpers registered once,
 * strict mode so a misspelt field fails loudly in tests instead of rendering an empty cell.
 */
export class ViewEngine {
  readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();

  constructor(
    private readonly dir: string = VIEWS_DIR,
    helpers: Helpers = {},
    private readonly cacheTemplates = true,
  ) {
    for (const [name, fn] of Object.entries({ ...BASE_HELPERS, ...helpers })) this.hbs.registerHelper(name, fn);
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
