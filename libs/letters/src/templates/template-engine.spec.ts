import { DomainError } from '@tiltas/common';
import { LetterComposer, paragraphsHtml } from './letter-composer';
import { NATIONAL_TEMPLATES } from './national-templates';
import { TemplateEngine } from './template-engine';
import { sampleRecipient, sampleVariables, validateTemplate } from './template-validation';

describe('TemplateEngine', () => {
  const engine = new TemplateEngine();

  it('refuses a variable the context lacks instead of printing an empty string', () => {
    expect(() => engine.render('Hello {{personNmae}}', { personName: 'Ona' }, 'lt', 'text')).toThrow(/personNmae/);
    expect(() => engine.render('Hello {{personNmae}}', { personName: 'Ona' }, 'lt', 'text')).toThrow(DomainError);
  });

  it('escapes values for HTML and leaves them alone for plain text', () => {
    const context = { personName: `<b>O'Brien</b> & co` };
    expect(engine.render('{{personName}}', context, 'en', 'html')).toBe('&lt;b&gt;O&#x27;Brien&lt;/b&gt; &amp; co');
    expect(engine.render('{{personName}}', context, 'en', 'text')).toBe(`<b>O'Brien</b> & co`);
  });

  it('refuses helpers it does not know and broken syntax when compiling', () => {
    expect(() => engine.compile('{{uppercase personName}}', 'html')).toThrow(/cannot be read/);
    expect(() => engine.compile('{{#if personName}}open', 'html')).toThrow(/cannot be read/);
  });

  it('writes dates out in the template language', () => {
    expect(engine.render('{{longDate date}}', { date: '2026-11-02' }, 'lt', 'text')).toBe('2026 m. lapkričio 2 d.');
    expect(engine.render('{{longDate date}}', { date: '2026-11-02' }, 'en', 'text')).toBe('2 November 2026');
    expect(engine.render('{{longDate date}}', { date: '2026-11-02' }, 'pl', 'text')).toBe('2 listopada 2026');
    expect(engine.render('{{longDate date}}', { date: '2026-11-02' }, 'ru', 'text')).toBe('2 ноября 2026 г.');
  });

  it('cannot reach the prototype of the context', () => {
    expect(engine.render('{{constructor}}{{lookup this "constructor"}}', { personName: 'x' }, 'en', 'text')).toBe('');
    expect(() => engine.render('{{constructor.name}}', { personName: 'x' }, 'en', 'text')).toThrow(DomainError);
  });

  it('lists the variable paths a template names, without helpers or keywords', () => {
    expect(engine.variablePaths('{{#if contactPhone}}{{contactPhone}}{{/if}} {{longDate date}} {{a.b}} {{#each xs}}{{this}}{{/each}} {{lookup this "c"}}').sort()).toEqual(['a.b', 'contactPhone', 'date', 'xs']);
  });
});

describe('LetterComposer', () => {
  const composer = new LetterComposer();

  it('puts a letter on a printable page with the recipient, the date and escaped paragraphs', () => {
    const variables = sampleVariables('lt', 'Kauno <miesto> savivaldybė');
    const letter = composer.compose('LETTER', NATIONAL_TEMPLATES.lt.LETTER, variables, 'lt', sampleRecipient('lt'));
    expect(letter.subject).toBe('Kvietimas susitikti');
    expect(letter.html).toMatch(/^<!doctype html>\n<html lang="lt">/);
    expect(letter.html).toContain('<address class="recipient">Ona Pavyzdytė<br>Pavyzdžio g. 1-2, Vilnius<br>LT-01100</address>');
    expect(letter.html).toContain('<p class="date">2026 m. lapkričio 2 d.</p>');
    expect(letter.html).toContain('Kauno &lt;miesto&gt; savivaldybė');
    expect(letter.html).not.toContain('<miesto>');
    expect(letter.html).not.toMatch(/<script/i);
    expect(letter.html!.match(/<p>/g)!.length).toBeGreaterThanOrEqual(5);
  });

  it('gives an email a plain text part and an HTML part with the same words', () => {
    const email = composer.compose('EMAIL', NATIONAL_TEMPLATES.en.EMAIL, sampleVariables('en', 'Kaunas City Municipality'), 'en');
    expect(email.subject).toBe('An invitation to talk');
    expect(email.text).toContain('Hello Anna,\n\nMy name is Rūta Petrauskienė and I am writing from Kaunas City Municipality.');
    expect(email.html).toContain('<p>Hello Anna,</p>');
  });

  it('renders an SMS as one line of plain text without a subject', () => {
    const sms = composer.compose('SMS', NATIONAL_TEMPLATES.pl.SMS, sampleVariables('pl', 'Vilniaus rajono savivaldybė', { contactPhone: null }), 'pl');
    expect(sms).toMatchObject({ subject: null, html: null });
    expect(sms.text).toBe('Dzień dobry, Anna. Tu Rūta Petrauskienė, Vilniaus rajono savivaldybė. Zapraszam na rozmowę o możliwościach nauki, pracy i doradztwa. Jeśli nie chce Pan/Pani kontaktu, wystarczy dać znać.');
  });

  it('turns blank lines into paragraphs and single breaks into line breaks', () => {
    expect(paragraphsHtml('a\nb\n\n\nc')).toBe('<p>a<br>\nb</p>\n<p>c</p>');
  });
});

describe('validateTemplate', () => {
  const composer = new LetterComposer();

  it('refuses a misspelt variable even inside an {{#if}} branch the sample might skip', () => {
    expect(() => validateTemplate(composer, 'SMS', 'en', { subject: null, body: 'Hi {{#if contactPhone}}{{contactPhon}}{{/if}}' })).toThrow(/contactPhon/);
  });

  it('refuses names outside the template variables, including ones every object has', () => {
    expect(() => validateTemplate(composer, 'SMS', 'en', { subject: null, body: 'Hi {{personName}} {{constructor}}' })).toThrow(/cannot have: constructor/);
  });

  it('refuses a forbidden word and names it', () => {
    expect(() => validateTemplate(composer, 'LETTER', 'lt', { subject: 'Kvietimas', body: 'Sužinojome apie Jūsų negalią, {{personName}}.' })).toThrow(/negali\[aąoų\]/);
  });

  it('asks for a subject on letters and emails and refuses one on SMS', () => {
    expect(() => validateTemplate(composer, 'EMAIL', 'en', { subject: '', body: 'Hello {{personName}}' })).toThrow(/needs a subject/);
    expect(() => validateTemplate(composer, 'SMS', 'en', { subject: 'Hi', body: 'Hello {{personName}}' })).toThrow(/no subject/);
  });

  it('refuses an SMS that renders longer than two segments', () => {
    expect(() => validateTemplate(composer, 'SMS', 'en', { subject: null, body: `Hello {{personName}} ${'x'.repeat(400)}` })).toThrow(/characters with the sample/);
  });
});
