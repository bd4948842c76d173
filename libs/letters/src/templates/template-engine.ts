import { DomainError } from '@tiltas/common';
import Handlebars from 'handlebars';
import type { LetterLanguage } from '../message-kinds';

/** `html` escapes every {{value}} (letters, email HTML parts); `text` is for channels that never interpret HTML. */
export type RenderFormat = 'html' | 'text';

const LOCALES: Readonly<Record<LetterLanguage, string>> = { lt: 'lt-LT', ru: 'ru-RU', pl: 'pl-PL', en: 'en-GB' };

/** Helpers any template may call; knownHelpersOnly refuses every other name at compile time. */
const HELPERS: Readonly<Record<string, Handlebars.HelperDelegate>> = {
  /** {{longDate date}}: a YYYY-MM-DD date written out in the template's language, e.g. "2026 m. lapkričio 2 d.". */
  longDate(this: unknown, value: unknown, options: Handlebars.HelperOptions): string {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new Error('longDate needs a YYYY-MM-DD date');
    const language = (options.data as { language?: LetterLanguage } | undefined)?.language ?? 'lt';
    return new Intl.DateTimeFormat(LOCALES[language], { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${value}T00:00:00Z`));
  },
};

const KNOWN_HELPERS = Object.fromEntries(Object.keys(HELPERS).map((name) => [name, true])) as Record<string, boolean>;

/**
 * The one Handlebars instance of letters and messages, isolated from the pages' instance
 * (Handlebars.create()), so a coordinator's template can reach neither their partials nor their helpers.
 * Strict: a variable that is not in the context throws instead of rendering as an empty string, so a
 * misspelt {{municipalityNmae}} is refused when the template is saved, never printed as a gap in a letter.
 * Compiled templates are cached by source; the cache is bounded because sources come from coordinators.
 */
export class TemplateEngine {
  private readonly hbs = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();
  private static readonly CACHE_LIMIT = 500;

  constructor() {
    for (const [name, fn] of Object.entries(HELPERS)) this.hbs.registerHelper(name, fn);
  }

  /** Compiles now (syntax and unknown helpers fail here) and caches the result. */
  compile(source: string, format: RenderFormat): Handlebars.TemplateDelegate {
    const key = `${format}\u0000${source}`;
    let template = this.cache.get(key);
    if (!template) {
      const options = { strict: true, noEscape: format === 'text', knownHelpers: KNOWN_HELPERS, knownHelpersOnly: true };
      try {
        // compile() is lazy; precompile() runs the whole compiler, so syntax errors and unknown helpers surface now.
        this.hbs.precompile(source, options);
      } catch (err) {
        throw DomainError.validation(`The template cannot be read: ${firstLine(err)}`);
      }
      template = this.hbs.compile(source, options);
      if (this.cache.size >= TemplateEngine.CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, template);
    }
    return template;
  }

  /**
   * Renders `source` with `context` in `language`. A variable the context lacks is a DomainError naming it,
   * so both a coordinator's preview and a worker's letter say what is wrong.
   */
  render(source: string, context: object, language: LetterLanguage, format: RenderFormat): string {
    const template = this.compile(source, format);
    try {
      return template(context, { data: { language } });
    } catch (err) {
      throw DomainError.validation(`The template cannot be rendered: ${firstLine(err)}`);
    }
  }

  /**
   * Every variable path the template names ({{a.b}} gives "a.b"), helpers and block keywords excluded.
   * Strict mode catches a name the context lacks; this also catches names every object has
   * (`constructor`, `toString`), which strict mode lets through and prototype protection renders as "".
   */
  variablePaths(source: string): string[] {
    const paths = new Set<string>();
    const visitor = new Handlebars.Visitor();
    const helperNames = new Set([...Object.keys(HELPERS), 'if', 'unless', 'each', 'with', 'lookup', 'log']);
    const record = (node: hbs.AST.Expression): void => {
      if (node.type === 'PathExpression') {
        const path = node as hbs.AST.PathExpression;
        if (!path.data && path.original !== 'this' && path.original !== '.') paths.add(path.original);
      }
    };
    const call = (node: { path: hbs.AST.Expression; params: hbs.AST.Expression[] }): void => {
      const head = node.path as hbs.AST.PathExpression;
      if (node.params.length === 0 && !helperNames.has(head.original)) record(node.path);
      for (const p of node.params) record(p);
    };
    visitor.MustacheStatement = function (this: Handlebars.Visitor, node) {
      call(node);
      Handlebars.Visitor.prototype.MustacheStatement.call(this, node);
    };
    visitor.BlockStatement = function (this: Handlebars.Visitor, node) {
      for (const p of node.params) record(p);
      Handlebars.Visitor.prototype.BlockStatement.call(this, node);
    };
    visitor.SubExpression = function (this: Handlebars.Visitor, node) {
      call(node);
      Handlebars.Visitor.prototype.SubExpression.call(this, node);
    };
    try {
      visitor.accept(this.hbs.parse(source));
    } catch (err) {
      throw DomainError.validation(`The template cannot be read: ${firstLine(err)}`);
    }
    return [...paths];
  }

  /** Escapes text for HTML the way {{value}} does (for text the caller places around rendered output). */
  escape(text: string): string {
    return this.hbs.escapeExpression(text);
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
