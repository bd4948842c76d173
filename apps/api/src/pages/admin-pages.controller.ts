import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, ApiTokensService, CurrentActor, LANGUAGES, NationalOnly, ROLES, Roles, UsersService, actorScope, signedInRequester } from '@tiltas/access';
import { DomainError, ErrorCode } from '@tiltas/common';
import { OutcomeImportService, type OutcomeImportResult } from '@tiltas/outreach';
import { ExtractsQueryService, MUNICIPALITY_CODES, REGISTER_CODES, UploadsService } from '@tiltas/registers';
import type { Request, Response } from 'express';
import { PageFlash } from './page-flash';
import { field, renderPage } from './page-render';

/** Outcomes files are held in memory while they are checked: a national history is some tens of MB. */
const OUTCOMES_MAX_BYTES = 256 * 1024 * 1024;

function shownImport(result: OutcomeImportResult) {
  if (result.kind === 'refused') return { refused: true, problems: result.problems, sha256: result.sha256 };
  return {
    refused: false,
    ...result,
    unchanged: result.importId === null,
    outcomes: Object.entries(result.byOutcome).map(([outcome, n]) => ({ outcome, ...n })),
  };
}

/**
 * The administrator's pages: extracts (upload with a progress bar, each upload's outcome, each extract's
 * status and quarantine), municipalities, users and API tokens. The upload itself goes to the extracts
 * API (multipart, streamed to storage); these pages read what became of it. A municipal administrator
 * sees the extracts and their municipality's uploads without the upload form, and no quarantine.
 */
@ApiExcludeController()
@Controller('admin')
@Roles('ADMIN')
export class AdminPagesController {
  constructor(
    private readonly extracts: ExtractsQueryService,
    private readonly uploads: UploadsService,
    private readonly users: UsersService,
    private readonly tokens: ApiTokensService,
    private readonly outcomes: OutcomeImportService,
    private readonly flash: PageFlash,
  ) {}

  @Get('outcomes')
  outcomesPage(@CurrentActor() actor: Actor, @Res() res: Response): void {
    renderPage(res, actor, 'admin-outcomes', 'outcomes.title', { result: null });
  }

  /**
   * The same import as `tiltas cases import-outcomes`: the page shows the refusal's lines or the counts.
   * The CSRF token rides in the action, as on the extract upload: the multipart body is read after the check.
   */
  @Post('outcomes')
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: OUTCOMES_MAX_BYTES, files: 1 } }))
  async importOutcomes(@CurrentActor() actor: Actor, @UploadedFile() file: { buffer: Buffer; originalname: string } | undefined, @Res() res: Response): Promise<void> {
    if (!file) throw DomainError.validation('choose the outcomes file (CSV) to import');
    const result = await this.outcomes.importFile(actor, file.buffer, file.originalname || null);
    renderPage(res, actor, 'admin-outcomes', 'outcomes.title', { result: shownImport(result) }, { status: result.kind === 'refused' ? 422 : 200 });
  }

  @Get('extracts')
  async extractsPage(@CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    const [extracts, uploads] = await Promise.all([this.extracts.list(), this.uploads.list(20, actor)]);
    const national = actor.scope === 'national';
    renderPage(res, actor, 'admin-extracts', 'extracts.title', {
      extracts,
      national,
      uploads: uploads.map((u) => ({ ...u, outcomeStatus: u.outcome && 'status' in u.outcome ? u.outcome.status : u.outcome && 'error' in u.outcome ? 'FAILED' : null })),
      scripts: national ? ['extract-upload.js'] : [],
    });
  }

  @Get('extracts/uploads/:id')
  async upload(@CurrentActor() actor: Actor, @Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response): Promise<void> {
    const upload = await this.uploads.get(id, actor);
    const finished = upload.status === 'DONE' || upload.status === 'FAILED';
    const outcome = upload.outcome && 'status' in upload.outcome ? upload.outcome : null;
    renderPage(res, actor, 'admin-upload', 'extracts.upload.title', {
      titleParams: { id },
      upload,
      outcome,
      error: upload.outcome && 'error' in upload.outcome ? upload.outcome.error : null,
      rejected: outcome?.status === 'REJECTED' || upload.status === 'FAILED',
      accepted: outcome?.status === 'ACCEPTED',
      refresh: !finished,
    });
  }

  @Get('extracts/:register/quarantine')
  @NationalOnly('Reading a register quarantine')
  async quarantine(@CurrentActor() actor: Actor, @Param('register') register: string, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const listing = await this.extracts.quarantine(register, field(query, 'asOf'), 1000);
    renderPage(res, actor, 'admin-quarantine', 'extracts.quarantine.title', { titleParams: { register }, listing });
  }

  @Get('municipalities')
  async municipalities(@CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    const users = await this.users.listUsers(actorScope(actor));
    const perMunicipality = new Map<string, number>();
    for (const u of users) if (u.municipality) perMunicipality.set(u.municipality, (perMunicipality.get(u.municipality) ?? 0) + 1);
    renderPage(res, actor, 'admin-municipalities', 'municipalities.title', {
      municipalities: MUNICIPALITY_CODES.map((code) => ({ code, users: perMunicipality.get(code) ?? 0 })),
      registers: REGISTER_CODES,
    });
  }

  @Get('users')
  async usersPage(@CurrentActor() actor: Actor, @Req() req: Request, @Res() res: Response): Promise<void> {
    const flash = await this.flash.take(req, res, actor);
    const [users, tokens] = await Promise.all([this.users.listUsers(actorScope(actor)), this.tokens.list(signedInRequester(actor, 'session'))]);
    const national = actor.scope === 'national';
    renderPage(res, actor, 'admin-users', 'users.title', {
      users: users.map((u) => ({ ...u, self: u.id === actor.userId, person: u.kind === 'PERSON', passwordSignIn: u.signIn === 'password' })),
      tokens,
      roles: ROLES,
      languages: LANGUAGES,
      municipalities: national ? MUNICIPALITY_CODES : [actor.municipality],
      national,
      done: flash?.notice ?? null,
      doneParams: flash?.data?.params ?? {},
      error: flash?.error ?? null,
      problems: flash?.data?.problems ?? null,
      form: flash?.form ?? {},
      // Shown once, on the page the reset or the new user redirected to; the flash that held it is gone.
      password: flash?.data?.password ?? null,
    });
  }

  /** Adds a person who signs in with a password; the generated password is shown once, on the page redirected to. */
  @Post('users')
  async addUser(@CurrentActor() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const caseload = field(body, 'caseloadLimit');
    await this.userStep(res, actor, body, async () => {
      const created = await this.users.addUser(
        {
          username: field(body, 'username') ?? '',
          role: field(body, 'role') ?? '',
          municipality: field(body, 'municipality') ?? null,
          displayName: field(body, 'displayName'),
          language: field(body, 'language'),
          caseloadLimit: caseload === undefined ? undefined : Number(caseload),
        },
        actorScope(actor),
      );
      return { notice: 'users.done.added', data: { params: { username: created.user.username }, password: created.generatedPassword } };
    });
  }

  @Post('users/:username/role')
  async changeRole(@CurrentActor() actor: Actor, @Param('username') username: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.userStep(res, actor, body, async () => {
      const municipality = field(body, 'municipality');
      await this.users.changeRole(username, { role: field(body, 'role') ?? '', municipality: municipality === undefined ? null : municipality }, actorScope(actor));
      return { notice: 'users.done.roleChanged', data: { params: { username } } };
    });
  }

  @Post('users/:username/disable')
  async disable(@CurrentActor() actor: Actor, @Param('username') username: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.userStep(res, actor, body, async () => {
      const target = (await this.users.listUsers(actorScope(actor))).find((u) => u.username === username);
      if (target && target.id === actor.userId) throw DomainError.validation('You cannot disable yourself: another administrator does');
      await this.users.disableUser(username, actorScope(actor));
      return { notice: 'users.done.disabled', data: { params: { username } } };
    });
  }

  @Post('users/:username/reset-password')
  async resetPassword(@CurrentActor() actor: Actor, @Param('username') username: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.userStep(res, actor, body, async () => {
      const { password } = await this.users.resetPassword(username, actorScope(actor));
      return { notice: 'users.done.passwordReset', data: { params: { username }, password } };
    });
  }

  @Post('users/:username/unlock')
  async unlock(@CurrentActor() actor: Actor, @Param('username') username: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.userStep(res, actor, body, async () => {
      const { wasLocked } = await this.users.unlockSignIn(username, actorScope(actor));
      return { notice: wasLocked ? 'users.done.unlocked' : 'users.done.notLocked', data: { params: { username } } };
    });
  }

  /** Every user action: done, or refused with its reasons, and in both cases a redirect to the users page (PRG). */
  private async userStep(res: Response, actor: Actor, body: Record<string, unknown>, work: () => Promise<{ notice: string; data: Record<string, unknown> }>): Promise<void> {
    try {
      const done = await work();
      await this.flash.redirect(res, actor, '/admin/users', done);
    } catch (err) {
      if (!(err instanceof DomainError) || ![ErrorCode.VALIDATION_FAILED, ErrorCode.CONFLICT, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND].includes(err.code)) throw err;
      const { _csrf: _token, ...typed } = body;
      const problems = (err.details as { problems?: Record<string, string> } | undefined)?.problems;
      await this.flash.redirect(res, actor, '/admin/users', {
        error: err.message,
        form: typed,
        data: { problems: problems ? Object.entries(problems).map(([name, problem]) => ({ name, problem })) : null },
      });
    }
  }
}
