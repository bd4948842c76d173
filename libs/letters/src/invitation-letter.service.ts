import { Injectable } from '@nestjs/common';
import { Actor, actorScope } from '@tiltas/access';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError } from '@tiltas/common';
import { DatabaseService } from '@tiltas/database';
import { ContactRevealService, IssuedLink, LETTER_REVEAL_PURPOSE, ResponseLinksService, vilniusDate } from '@tiltas/outreach';
import { caseIdFrom, heldCase } from './case-holder';
import { LetterTemplatesService } from './letter-templates.service';
import { LettersRepository } from './letters.repository';
import { LetterLanguage, isLetterLanguage } from './message-kinds';
import type { ResponseLinkBlock } from './templates/response-block';

export interface InvitationLetter {
  readonly caseId: number;
  readonly language: LetterLanguage;
  /** The whole printable page (A4), its one inline style allowed by LETTER_PAGE_STYLE_HASH. */
  readonly html: string;
}

/** The link as a letter or message prints it: the last day it works is Vilnius's date of its expiry. */
export function responseBlock(link: IssuedLink): ResponseLinkBlock {
  return { url: link.url, expiresOn: vilniusDate(new Date(new Date(link.expiresAt).getTime() - 1)) };
}

/**
 * The printable invitation letter for a case the actor holds, in the person's language, addressed from
 * the contacts vault. Printing shows the person's name and address, so it is a disclosure like a reveal:
 * it counts toward the worker's hourly reveal limit, stands in the reveal log that auditors read as
 * volumes, and is logged (`letter.printed`, with the person's pseudonym and never the address). Each
 * printing carries a response link of its own, with its QR code.
 */
/** The reveal log's purpose for a printed letter (the worker states none: printing is the purpose). */
const LETTER_PURPOSE = LETTER_REVEAL_PURPOSE;

@Injectable()
export class InvitationLetterService {
  constructor(
    private readonly db: DatabaseService,
    private readonly repo: LettersRepository,
    private readonly templates: LetterTemplatesService,
    private readonly reveals: ContactRevealService,
    private readonly responseLinks: ResponseLinksService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async render(actor: Actor, caseIdInput: unknown): Promise<InvitationLetter> {
    const caseId = caseIdFrom(caseIdInput);
    return this.db.transaction(actorScope(actor), async (m) => {
      const c = await heldCase(this.repo, m, actor, caseId);
      const { contact, revealId } = await this.reveals.disclose(m, actor, c, LETTER_PURPOSE);
      if (!contact) throw DomainError.conflict(`The contacts register has no address for the person of case ${caseId}`);
      const language: LetterLanguage = isLetterLanguage(contact.language) ? contact.language : 'lt';
      const worker = await this.repo.user(m, actor.userId);
      const sender = await this.templates.senderIn(m, c.municipality);
      const template = await this.templates.effective(m, c.municipality, 'LETTER', language);
      const variables = this.templates.variables(sender, worker?.displayName ?? actor.username, contact.given_name, this.clock.today());
      const recipient = { fullName: `${contact.given_name} ${contact.family_name}`, address: contact.address, postalCode: contact.postal_code };
      const link = await this.responseLinks.issue(m, actor.userId, c, 'LETTER', language);
      const letter = this.templates.composer.compose('LETTER', template, variables, language, recipient, responseBlock(link));
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality: c.municipality,
        action: 'letter.printed',
        subject: c.pseudonym,
        objectType: 'case',
        objectId: String(caseId),
        purpose: 'outreach',
        details: { caseId, language, revealId, responseLinkId: link.linkId },
      });
      return { caseId, language, html: letter.html! };
    });
  }
}
