import { Injectable } from '@nestjs/common';
import { Actor, actorScope } from '@tiltas/access';
import { AuditService } from '@tiltas/audit';
import { DomainError } from '@tiltas/common';
import { DatabaseService } from '@tiltas/database';
import type { EntityManager } from 'typeorm';
import { LettersRepository, SenderRow } from './letters.repository';
import { LETTER_LANGUAGES, LetterLanguage, MESSAGE_KINDS, MessageKind, TemplateVariables, isLetterLanguage, isMessageKind, kindHasSubject } from './message-kinds';
import { ComposedMessage, LetterComposer } from './templates/letter-composer';
import { MUNICIPALITY_NAMES } from './templates/municipality-names';
import { NATIONAL_TEMPLATES, TemplateText } from './templates/national-templates';
import { SAMPLE_RESPONSE_LINK } from './templates/response-block';
import { sampleRecipient, sampleVariables, validateTemplate } from './templates/template-validation';

export interface TemplateView {
  readonly kind: MessageKind;
  readonly language: LetterLanguage;
  readonly subject: string | null;
  readonly body: string;
  /** MUNICIPALITY when the municipality wrote its own; NATIONAL for the shipped default. */
  readonly source: 'MUNICIPALITY' | 'NATIONAL';
  readonly version: number | null;
  readonly updatedAt: string | null;
}

export interface SenderView {
  readonly municipality: string;
  readonly municipalityName: string;
  readonly contactPhone: string | null;
  readonly contactEmail: string | null;
  readonly officeAddress: string | null;
  /** False while the municipality has not set its own (the official name, no contacts). */
  readonly customised: boolean;
}

export interface SenderInput {
  readonly municipalityName?: unknown;
  readonly contactPhone?: unknown;
  readonly contactEmail?: unknown;
  readonly officeAddress?: unknown;
}

export interface TemplateDraft {
  readonly subject?: unknown;
  readonly body?: unknown;
}

function checkKindAndLanguage(kind: unknown, language: unknown): { kind: MessageKind; language: LetterLanguage } {
  const problems: string[] = [];
  if (!isMessageKind(kind)) problems.push(`kind must be one of ${MESSAGE_KINDS.join(', ')}`);
  if (!isLetterLanguage(language)) problems.push(`language must be one of ${LETTER_LANGUAGES.join(', ')}`);
  if (problems.length > 0) throw DomainError.validation(problems.join('; '), { problems });
  return { kind: kind as MessageKind, language: language as LetterLanguage };
}

function optionalText(value: unknown, name: string, max: number): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.trim().length > max) throw DomainError.validation(`${name} must be text of at most ${max} characters`);
  return value.trim();
}

/** The municipality a coordinator's template work is for: their own, always. */
function ownMunicipality(actor: Actor): string {
  if (actor.role !== 'COORDINATOR' || !actor.municipality) throw DomainError.forbidden('Templates are kept by a municipality coordinator');
  return actor.municipality;
}

/**
 * Templates and sender details per municipality: list the effective template of every kind and language,
 * save a municipality's own (checked: strict variables, no forbidden word), go back to the national
 * default, preview with sample data. Every change is logged.
 */
@Injectable()
export class LetterTemplatesService {
  constructor(
    private readonly db: DatabaseService,
    private readonly repo: LettersRepository,
    private readonly audit: AuditService,
    readonly composer: LetterComposer,
  ) {}

  async list(actor: Actor): Promise<TemplateView[]> {
    const municipality = ownMunicipality(actor);
    const own = await this.db.transaction(actorScope(actor), (m) => this.repo.templates(m, municipality));
    return LETTER_LANGUAGES.flatMap((language) =>
      MESSAGE_KINDS.map((kind) => {
        const row = own.find((r) => r.kind === kind && r.language === language);
        if (row) return { kind, language, subject: row.subject, body: row.body, source: 'MUNICIPALITY' as const, version: row.version, updatedAt: row.updatedAt };
        const national = NATIONAL_TEMPLATES[language][kind];
        return { kind, language, subject: national.subject, body: national.body, source: 'NATIONAL' as const, version: null, updatedAt: null };
      }),
    );
  }

  async save(actor: Actor, kindInput: unknown, languageInput: unknown, draft: TemplateDraft): Promise<TemplateView> {
    const municipality = ownMunicipality(actor);
    const { kind, language } = checkKindAndLanguage(kindInput, languageInput);
    const text = this.draftText(kind, draft);
    validateTemplate(this.composer, kind, language, text);
    return this.db.transaction(actorScope(actor), async (m) => {
      const row = await this.repo.saveTemplate(m, { municipality, kind, language, subject: text.subject, body: text.body, by: actor.userId });
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality,
        action: 'letter_template.saved',
        objectType: 'message_template',
        objectId: `${municipality}:${kind}:${language}`,
        details: { kind, language, version: row.version },
      });
      return { kind, language, subject: row.subject, body: row.body, source: 'MUNICIPALITY', version: row.version, updatedAt: row.updatedAt };
    });
  }

  /** Drops the municipality's own wording: the national default applies again. */
  async reset(actor: Actor, kindInput: unknown, languageInput: unknown): Promise<TemplateView> {
    const municipality = ownMunicipality(actor);
    const { kind, language } = checkKindAndLanguage(kindInput, languageInput);
    await this.db.transaction(actorScope(actor), async (m) => {
      if (!(await this.repo.deleteTemplate(m, municipality, kind, language))) throw DomainError.notFound(`${kind} template in ${language} of ${municipality}`);
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality,
        action: 'letter_template.reset',
        objectType: 'message_template',
        objectId: `${municipality}:${kind}:${language}`,
        details: { kind, language },
      });
    });
    const national = NATIONAL_TEMPLATES[language][kind];
    return { kind, language, subject: national.subject, body: national.body, source: 'NATIONAL', version: null, updatedAt: null };
  }

  /**
   * Renders a template with sample data (no real person): the saved one, or a draft the coordinator is
   * still editing, checked as a save would check it.
   */
  async preview(actor: Actor, kindInput: unknown, languageInput: unknown, draft?: TemplateDraft): Promise<ComposedMessage> {
    const municipality = ownMunicipality(actor);
    const { kind, language } = checkKindAndLanguage(kindInput, languageInput);
    return this.db.transaction(actorScope(actor), async (m) => {
      let text: TemplateText;
      if (draft && (draft.body !== undefined || draft.subject !== undefined)) {
        text = this.draftText(kind, draft);
        validateTemplate(this.composer, kind, language, text);
      } else {
        text = await this.effective(m, municipality, kind, language);
      }
      const sender = await this.senderIn(m, municipality);
      const variables = sampleVariables(language, sender.municipalityName, {
        contactPhone: sender.contactPhone ?? '+370 600 00000',
        contactEmail: sender.contactEmail ?? 'atvejai@savivaldybe.lt',
        officeAddress: sender.officeAddress,
      });
      return this.composer.compose(kind, text, variables, language, sampleRecipient(language), SAMPLE_RESPONSE_LINK);
    });
  }

  async sender(actor: Actor): Promise<SenderView> {
    const municipality = ownMunicipality(actor);
    return this.db.transaction(actorScope(actor), (m) => this.senderIn(m, municipality));
  }

  async saveSender(actor: Actor, input: SenderInput): Promise<SenderView> {
    const municipality = ownMunicipality(actor);
    const municipalityName = optionalText(input.municipalityName, 'municipalityName', 200) ?? MUNICIPALITY_NAMES[municipality];
    const contactPhone = optionalText(input.contactPhone, 'contactPhone', 40);
    const contactEmail = optionalText(input.contactEmail, 'contactEmail', 254);
    const officeAddress = optionalText(input.officeAddress, 'officeAddress', 300);
    const problems: string[] = [];
    if (contactPhone !== null && !/^\+?[0-9 ()-]{5,40}$/.test(contactPhone)) problems.push('contactPhone must be a phone number');
    if (contactEmail !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contactEmail)) problems.push('contactEmail must be an email address');
    if (problems.length > 0) throw DomainError.validation(problems.join('; '), { problems });
    return this.db.transaction(actorScope(actor), async (m) => {
      await this.repo.saveSender(m, { municipality, municipalityName, contactPhone, contactEmail, officeAddress, by: actor.userId });
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality,
        action: 'letter_sender.saved',
        objectType: 'letter_sender',
        objectId: municipality,
        details: { hasPhone: contactPhone !== null, hasEmail: contactEmail !== null, hasAddress: officeAddress !== null },
      });
      return this.senderIn(m, municipality);
    });
  }

  /** The template that applies: the municipality's own, else the national default. */
  async effective(m: EntityManager, municipality: string, kind: MessageKind, language: LetterLanguage): Promise<TemplateText> {
    const own = await this.repo.template(m, municipality, kind, language);
    return own ? { subject: own.subject, body: own.body } : NATIONAL_TEMPLATES[language][kind];
  }

  /**
   * What a municipality's letters tell people about how to reach it, for the public response page (a
   * person holding a letter, not signed in): read in that municipality's scope, as Tiltas's own page.
   */
  async publicContact(municipality: string): Promise<SenderView> {
    const scope = { scope: 'municipal' as const, municipality, actor: 'system:response-link', role: 'SYSTEM' };
    return this.db.transaction(scope, (m) => this.senderIn(m, municipality));
  }

  async senderIn(m: EntityManager, municipality: string): Promise<SenderView> {
    const row: SenderRow | null = await this.repo.sender(m, municipality);
    if (row) return { municipality, municipalityName: row.municipalityName, contactPhone: row.contactPhone, contactEmail: row.contactEmail, officeAddress: row.officeAddress, customised: true };
    return { municipality, municipalityName: MUNICIPALITY_NAMES[municipality] ?? municipality, contactPhone: null, contactEmail: null, officeAddress: null, customised: false };
  }

  /** The variables for a real letter: the sender's details, the holder's name and the person's given name. */
  variables(sender: SenderView, workerName: string, personName: string, date: string): TemplateVariables {
    return { personName, municipalityName: sender.municipalityName, workerName, contactPhone: sender.contactPhone, contactEmail: sender.contactEmail, officeAddress: sender.officeAddress, date };
  }

  private draftText(kind: MessageKind, draft: TemplateDraft): TemplateText {
    if (typeof draft.body !== 'string') throw DomainError.validation('body is required');
    const raw = draft.subject === undefined || draft.subject === null ? null : draft.subject;
    if (raw !== null && typeof raw !== 'string') throw DomainError.validation('subject must be text');
    // An SMS has no subject: an empty one from a form is no subject; validateTemplate refuses a real one.
    const subject = kindHasSubject(kind) ? (raw ?? '') : raw === '' ? null : raw;
    return { subject, body: draft.body };
  }
}
