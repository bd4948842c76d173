import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, ApiTokensService, CreatedToken, CurrentActor, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, UsersService, safeNext, signedInRequester } from '@tiltas/access';
import { DomainError, ErrorCode } from '@tiltas/common';
import type { Response } from 'express';
import { field, renderPage } from './page-render';

function shownOnPage(err: unknown): err is DomainError {
  return err instanceof DomainError && (err.code === ErrorCode.VALIDATION_FAILED || err.code === ErrorCode.CONFLICT);
}

/**
 * A person's own API tokens, for anyone signed in: create one (shown once, on the answer to the post and
 * never in a URL), list and revoke their own. Pages are session-only, which is what creating a token needs.
 */
@ApiExcludeController()
@Controller('account')
export class AccountPagesController {
  constructor(
    private readonly tokens: ApiTokensService,
    private readonly users: UsersService,
  ) {}

  /**
   * The language switch in every page's header: stored on the user, then back to the page it was pressed
   * on (post, redirect, get), now in the language chosen.
   */
  @Post('language')
  async language(@CurrentActor() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.users.setLanguage(actor, field(body, 'language') ?? '');
    res.redirect(303, safeNext(field(body, 'back')));
  }

  @Get('tokens')
  async page(@CurrentActor() actor: Actor, @Query('done') done: string | undefined, @Res() res: Response): Promise<void> {
    await this.render(res, actor, { revoked: done === 'revoked' });
  }

  @Post('tokens')
  async create(@CurrentActor() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const days = field(body, 'expiresDays');
    try {
      const created = await this.tokens.create({ name: field(body, 'name'), expiresDays: days === undefined ? undefined : Number(days) }, signedInRequester(actor, 'session'));
      await this.render(res, actor, { created });
    } catch (err) {
      if (!shownOnPage(err)) throw err;
      await this.render(res, actor, { error: err.message }, 400);
    }
  }

  @Post('tokens/:id/revoke')
  async revoke(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response): Promise<void> {
    await this.tokens.revoke(id, signedInRequester(actor, 'session'));
    res.redirect(303, '/account/tokens?done=revoked');
  }

  private async render(res: Response, actor: Actor, data: { created?: CreatedToken; error?: string; revoked?: boolean }, status = 200): Promise<void> {
    const tokens = await this.tokens.list(signedInRequester(actor, 'session'), { own: true });
    renderPage(res, actor, 'account-tokens', 'account.tokens.title', { ...data, tokens, defaultDays: DEFAULT_TOKEN_DAYS, maxDays: MAX_TOKEN_DAYS }, { status });
  }
}
