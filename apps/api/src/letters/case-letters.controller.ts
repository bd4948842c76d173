import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { InvitationLetterService, LETTER_PAGE_STYLE_HASH, MessageRow, MessageSendingService } from '@tiltas/letters';
import type { Response } from 'express';

/**
 * Letters and messages for a case the caller holds: the printable invitation letter (an HTML page of its
 * own, not the application's layout) and email or SMS sent by a job.
 */
@Controller('api/letters/cases')
@Roles('WORKER', 'COORDINATOR')
export class CaseLettersController {
  constructor(
    private readonly letters: InvitationLetterService,
    private readonly messages: MessageSendingService,
  ) {}

  /**
   * The letter to print, in the person's language. Personal data: never cached. A POST: printing reveals
   * a name and an address and is logged as a reveal, so it needs the form token and no link or prefetch
   * can set it off.
   */
  @Post(':caseId/invitation')
  @HttpCode(200)
  async invitation(@CurrentActor() actor: Actor, @Param('caseId') caseId: string, @Res({ passthrough: true }) res: Response): Promise<string> {
    const letter = await this.letters.render(actor, caseId);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Language', letter.language);
    res.setHeader('Cache-Control', 'no-store');
    // Stricter than the application's CSP: nothing loads, and only the letter's own style applies.
    res.setHeader('Content-Security-Policy', `default-src 'none'; style-src '${LETTER_PAGE_STYLE_HASH}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`);
    return letter.html;
  }

  /** Queues an email or SMS (`{ "channel": "EMAIL" | "SMS" }`); 202 with the PENDING message. */
  @Post(':caseId/messages')
  @HttpCode(202)
  send(@CurrentActor() actor: Actor, @Param('caseId') caseId: string, @Body() body: { channel?: unknown }): Promise<MessageRow> {
    return this.messages.request(actor, caseId, body?.channel);
  }

  @Get(':caseId/messages')
  list(@CurrentActor() actor: Actor, @Param('caseId') caseId: string): Promise<MessageRow[]> {
    return this.messages.list(actor, caseId);
  }
}
