import { Controller, Get, Param, ParseUUIDPipe, Post, Query, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, ApiTokensService, CurrentActor, NationalOnly, Roles, UsersService, actorScope, signedInRequester } from '@tiltas/access';
import { DomainError } from '@tiltas/common';
import { OutcomeImportService, type OutcomeImportResult } from '@tiltas/outreach';
import { ExtractsQueryService, MUNICIPALITY_CODES, REGISTER_CODES, UploadsService } from '@tiltas/registers';
import type { Response } from 'express';
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
  async usersPage(@CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    const [users, tokens] = await Promise.all([this.users.listUsers(actorScope(actor)), this.tokens.list(signedInRequester(actor, 'session'))]);
    renderPage(res, actor, 'admin-users', 'users.title', { users, tokens });
  }
}
