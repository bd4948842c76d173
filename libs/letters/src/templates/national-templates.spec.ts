import { LETTER_LANGUAGES, MESSAGE_KINDS } from '../message-kinds';
import { FORBIDDEN_WORDS, forbiddenWordsIn } from './forbidden-words';
import { LetterComposer } from './letter-composer';
import { NATIONAL_TEMPLATES } from './national-templates';
import { MAX_SMS_LENGTH, sampleRecipient, sampleVariables, validateTemplate } from './template-validation';

const shipped = LETTER_LANGUAGES.flatMap((language) => MESSAGE_KINDS.map((kind) => ({ language, kind, text: NATIONAL_TEMPLATES[language][kind] })));

describe('the national default templates', () => {
  const composer = new LetterComposer();

  it('ship every kind in every language', () => {
    expect(shipped.map((t) => `${t.language}:${t.kind}`)).toEqual(LETTER_LANGUAGES.flatMap((l) => MESSAGE_KINDS.map((k) => `${l}:${k}`)));
    for (const t of shipped) expect(t.text.body.length).toBeGreaterThan(100);
  });

  it.each(shipped.map((t) => [t.language, t.kind, t.text] as const))('%s %s never says why the person was listed, in any language', (_language, _kind, text) => {
    expect(forbiddenWordsIn(`${text.subject ?? ''}\n${text.body}`)).toEqual([]);
  });

  it.each(shipped.map((t) => [t.language, t.kind] as const))('%s %s renders in strict mode, with and without the optional contacts, and the output is clean', (language, kind) => {
    const text = NATIONAL_TEMPLATES[language][kind];
    expect(() => validateTemplate(composer, kind, language, text)).not.toThrow();
    const full = composer.compose(kind, text, sampleVariables(language, 'Kauno miesto savivaldybė'), language, sampleRecipient(language));
    expect(full.text).toContain('Kauno miesto savivaldybė');
    expect(full.text).toContain(sampleVariables(language, 'x').personName);
    expect(full.text).toContain('+370 600 00000');
    expect(forbiddenWordsIn(`${full.subject ?? ''}\n${full.text}\n${full.html ?? ''}`)).toEqual([]);
    expect(full.text).not.toMatch(/\{\{|\}\}/);
    const bare = composer.compose(kind, text, sampleVariables(language, 'Kauno miesto savivaldybė', { contactPhone: null, contactEmail: null, officeAddress: null }), language, sampleRecipient(language));
    expect(bare.text).not.toContain('+370');
    expect(bare.text).not.toMatch(/\n{3,}/);
    if (kind === 'SMS') expect(full.text.length).toBeLessThanOrEqual(MAX_SMS_LENGTH);
  });

  it('are written in their own language: each greets in its language and none is a copy of another', () => {
    const greetings = { lt: 'Laba diena', ru: 'Здравствуйте', pl: 'Dzień dobry', en: 'Hello' } as const;
    for (const t of shipped) expect(t.text.body.startsWith(greetings[t.language])).toBe(true);
    expect(new Set(shipped.map((t) => t.text.body)).size).toBe(shipped.length);
  });
});

describe('the forbidden-word scan', () => {
  it('finds inflected forms in each language, whatever their case', () => {
    expect(forbiddenWordsIn('Sveiki, išėjus iš KALĖJIMO')).toEqual(['kalėj']);
    expect(forbiddenWordsIn('после освобождения из тюрьмы')).toEqual(expect.arrayContaining(['тюр[ье]м', 'освобожд']));
    expect(forbiddenWordsIn('osoby niepełnosprawne i bezrobotne')).toEqual(['niepełnospraw', 'bezrobot']);
    expect(forbiddenWordsIn('As you are Unemployed and left prison')).toEqual(['prison', 'unemploy']);
    expect(forbiddenWordsIn('neįgaliųjų paslaugos')).toEqual(['neįgal']);
  });

  it('matches only at the start of a word, so ordinary words that contain a stem pass', () => {
    expect(forbiddenWordsIn('pasikalbėti, galimybes, negalite')).toEqual([]);
    expect(forbiddenWordsIn('a spoor of the poorest')).toEqual([]);
  });

  it('covers all four languages', () => {
    expect(Object.keys(FORBIDDEN_WORDS).sort()).toEqual(['en', 'lt', 'pl', 'ru']);
  });
});
