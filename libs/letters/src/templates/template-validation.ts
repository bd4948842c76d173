import { DomainError } from '@tiltas/common';
import { LetterLanguage, MessageKind, TEMPLATE_VARIABLE_NAMES, TemplateVariables, kindHasSubject } from '../message-kinds';
import { forbiddenWordsIn } from './forbidden-words';
import { LetterComposer, LetterRecipient } from './letter-composer';
import type { TemplateText } from './national-templates';
import { SAMPLE_RESPONSE_LINK } from './response-block';

export const MAX_SUBJECT_LENGTH = 200;
export const MAX_BODY_LENGTH = 10_000;
/** Two concatenated SMS segments of 7-bit text; longer messages cost more and are cut by some phones. */
export const MAX_SMS_LENGTH = 320;

/** The sample person and worker a coordinator's preview shows, in each language (no real person). */
export const SAMPLE_PERSON: Readonly<Record<LetterLanguage, { readonly givenName: string; readonly familyName: string }>> = {
  lt: { givenName: 'Ona', familyName: 'Pavyzdytė' },
  ru: { givenName: 'Анна', familyName: 'Образцова' },
  pl: { givenName: 'Anna', familyName: 'Przykładowa' },
  en: { givenName: 'Anna', familyName: 'Example' },
};

export function sampleVariables(language: LetterLanguage, municipalityName: string, overrides: Partial<TemplateVariables> = {}): TemplateVariables {
  return {
    personName: SAMPLE_PERSON[language].givenName,
    municipalityName,
    workerName: 'Rūta Petrauskienė',
    contactPhone: '+370 600 00000',
    contactEmail: 'atvejai@savivaldybe.lt',
    officeAddress: 'Gedimino pr. 1, Vilnius',
    date: '2026-11-02',
    ...overrides,
  };
}

export function sampleRecipient(language: LetterLanguage): LetterRecipient {
  const p = SAMPLE_PERSON[language];
  return { fullName: `${p.givenName} ${p.familyName}`, address: 'Pavyzdžio g. 1-2, Vilnius', postalCode: 'LT-01100' };
}

/**
 * Whether a template may be saved: the right fields for its kind, within length, compiles, renders
 * against the sample with every optional contact both present and absent (so an {{#if}} branch cannot
 * hide a misspelt name), and contains no forbidden word in its source or its output. Throws a
 * DomainError naming every problem at once.
 */
export function validateTemplate(composer: LetterComposer, kind: MessageKind, language: LetterLanguage, text: TemplateText): void {
  const problems: string[] = [];
  if (kindHasSubject(kind)) {
    if (typeof text.subject !== 'string' || text.subject.trim() === '') problems.push(`a ${kind} template needs a subject`);
    else if (text.subject.length > MAX_SUBJECT_LENGTH) problems.push(`the subject is longer than ${MAX_SUBJECT_LENGTH} characters`);
  } else if (text.subject !== null && text.subject !== undefined && text.subject !== '') {
    problems.push('an SMS template has no subject');
  }
  if (typeof text.body !== 'string' || text.body.trim() === '') problems.push('the body is required');
  else if (text.body.length > MAX_BODY_LENGTH) problems.push(`the body is longer than ${MAX_BODY_LENGTH} characters`);
  if (problems.length > 0) throw DomainError.validation(problems.join('; '), { problems });

  const normalized: TemplateText = { subject: kindHasSubject(kind) ? text.subject : null, body: text.body };
  const words = forbiddenWordsIn(`${normalized.subject ?? ''}\n${normalized.body}`);
  if (words.length > 0) {
    throw DomainError.validation(`The template must not say why a person was written to; remove: ${words.join(', ')}`, { forbiddenWords: words });
  }
  const known = new Set<string>(TEMPLATE_VARIABLE_NAMES);
  const unknown = [normalized.subject ?? '', normalized.body].flatMap((source) => composer.engine.variablePaths(source)).filter((p) => !known.has(p));
  if (unknown.length > 0) {
    throw DomainError.validation(`The template uses names it cannot have: ${[...new Set(unknown)].join(', ')}; it may use ${TEMPLATE_VARIABLE_NAMES.join(', ')}`, { unknownVariables: [...new Set(unknown)] });
  }
  const full = sampleVariables(language, 'Vilniaus miesto savivaldybė');
  const bare = { ...full, contactPhone: null, contactEmail: null, officeAddress: null };
  for (const variables of [full, bare]) {
    // With a link of typical length: every real SMS ends with the person's response link.
    const composed = composer.compose(kind, normalized, variables, language, sampleRecipient(language), SAMPLE_RESPONSE_LINK);
    if (kind === 'SMS' && composed.text.length > MAX_SMS_LENGTH) {
      throw DomainError.validation(`The SMS is ${composed.text.length} characters with the sample; keep it within ${MAX_SMS_LENGTH}`);
    }
  }
}
