import { createHash } from 'node:crypto';
import type { LetterLanguage, MessageKind, TemplateVariables } from '../message-kinds';
import type { TemplateText } from './national-templates';
import { RESPONSE_BLOCK_TEXTS, ResponseLinkBlock, emailResponseText, qrSvg, smsResponseText } from './response-block';
import { TemplateEngine } from './template-engine';

/** Who a printed letter goes to; from the contacts vault, printed in the address block only. */
export interface LetterRecipient {
  readonly fullName: string;
  readonly address: string;
  readonly postalCode: string;
}

export interface ComposedMessage {
  readonly kind: MessageKind;
  readonly language: LetterLanguage;
  /** Plain text; null for SMS. */
  readonly subject: string | null;
  /** The message as plain text: the SMS, or an email's text part. */
  readonly text: string;
  /** The email's HTML part, or the letter's whole printable page; null for SMS. */
  readonly html: string | null;
}

/*
 * The printable page around a letter's body: A4, sender, recipient window, date, heading, body, nothing
 * else (no navigation, no scripts), so what prints is the letter. Its one inline style is allowed by hash
 * (LETTER_PAGE_STYLE_HASH), so the page can carry a CSP stricter than the application's.
 */
const LETTER_STYLE = `@page{size:A4;margin:20mm 20mm 25mm 25mm}
body{font-family:"Noto Serif","DejaVu Serif",Georgia,serif;font-size:11pt;line-height:1.45;color:#000;background:#fff;max-width:165mm;margin:0 auto}
@media screen{body{padding:15mm 10mm}}
.sender{font-size:9.5pt;margin:0 0 12mm}
.recipient{font-style:normal;min-height:30mm;margin:0 0 10mm}
.date{text-align:right;margin:0 0 8mm}
h1{font-size:12pt;margin:0 0 6mm}
p{margin:0 0 4mm}
.respond{display:flex;gap:6mm;align-items:center;margin:8mm 0 0;padding:4mm 0 0;border-top:0.3mm solid #000;break-inside:avoid}
.respond h2{font-size:11pt;margin:0 0 2mm}
.respond .url{font-family:"DejaVu Sans Mono",monospace;font-size:12pt;font-weight:bold;word-break:break-all}`;

export const LETTER_PAGE_STYLE_HASH = `sha256-${createHash('sha256').update(LETTER_STYLE).digest('base64')}`;

const LETTER_PAGE = `<!doctype html>
<html lang="{{language}}">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>{{subject}}</title>
<style>${LETTER_STYLE}</style>
</head>
<body>
<header class="sender">{{municipalityName}}{{#if officeAddress}}<br>{{officeAddress}}{{/if}}{{#if contactPhone}}<br>{{contactPhone}}{{/if}}{{#if contactEmail}}<br>{{contactEmail}}{{/if}}</header>
<address class="recipient">{{recipient.fullName}}<br>{{recipient.address}}<br>{{recipient.postalCode}}</address>
<p class="date">{{longDate date}}</p>
<h1>{{subject}}</h1>
{{{bodyHtml}}}
{{#if response}}<section class="respond">{{{response.qr}}}<div><h2>{{response.heading}}</h2><p>{{response.invitation}}</p><p class="url">{{response.url}}</p><p>{{response.validUntil}}</p></div></section>{{/if}}
</body>
</html>
`;

/** Already-escaped text to paragraphs: a blank line starts a paragraph, a single line break stays a line break. */
export function paragraphsHtml(escapedText: string): string {
  return escapedText
    .replace(/\r\n/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p>${p.split('\n').join('<br>\n')}</p>`)
    .join('\n');
}

/** Collapses the blank lines an {{#if}} left behind, so a letter without a phone has no gap for it. */
function tidyText(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * Renders a template for one person. The body is rendered twice when needed: escaped for HTML (the
 * letter page, an email's HTML part) and unescaped for plain text (SMS, an email's text part), where an
 * escaped apostrophe would reach the person as "&#x27;".
 */
export class LetterComposer {
  constructor(readonly engine: TemplateEngine = new TemplateEngine()) {}

  /**
   * `response` is the person's response link: every real letter and message carries one, after the
   * template's text (a preview passes SAMPLE_RESPONSE_LINK). A letter shows it with its QR code.
   */
  compose(kind: MessageKind, template: TemplateText, variables: TemplateVariables, language: LetterLanguage, recipient?: LetterRecipient, response?: ResponseLinkBlock): ComposedMessage {
    const subject = template.subject === null || kind === 'SMS' ? null : tidyText(this.engine.render(template.subject, variables, language, 'text'));
    const body = tidyText(this.engine.render(template.body, variables, language, 'text'));
    if (kind === 'SMS') return { kind, language, subject: null, text: response ? `${body} ${smsResponseText(language, response.url)}` : body, html: null };
    const bodyHtml = paragraphsHtml(tidyText(this.engine.render(template.body, variables, language, 'html')));
    if (kind === 'EMAIL') {
      const closing = response ? emailResponseText(language, response.url) : null;
      const text = closing ? `${body}\n\n${closing}` : body;
      const closingHtml = closing ? `\n${paragraphsHtml(this.engine.escape(closing))}` : '';
      const html = `<!doctype html><html lang="${language}"><head><meta charset="utf-8"></head><body>\n${bodyHtml}${closingHtml}\n</body></html>`;
      return { kind, language, subject, text, html };
    }
    if (!recipient) throw new Error('a letter needs its recipient');
    const texts = RESPONSE_BLOCK_TEXTS[language];
    const block = response
      ? {
          url: response.url,
          heading: texts.heading,
          invitation: texts.invitation.replace('{url}', response.url),
          validUntil: texts.validUntil.replace('{date}', this.engine.render('{{longDate date}}', { date: response.expiresOn }, language, 'text')),
          qr: qrSvg(response.url, texts.qrLabel, (t) => this.engine.escape(t)),
        }
      : null;
    const html = this.engine.render(LETTER_PAGE, { ...variables, language, subject: subject ?? '', recipient, bodyHtml, response: block }, language, 'html');
    const text = block ? `${body}\n\n${block.heading}\n${block.invitation}\n${block.validUntil}` : body;
    return { kind, language, subject, text, html };
  }
}
