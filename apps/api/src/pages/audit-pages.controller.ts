import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { AUDIT_FILTER_FIELDS, AuditSearchFilter, AuditService, parseAnchorFile } from '@tiltas/audit';
import { DomainError } from '@tiltas/common';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import { ContactRevealService } from '@tiltas/outreach';
import type { Response } from 'express';
import { field, renderPage } from './page-render';

const PAGE_SIZE = 50;
/** An anchor every 15 minutes is about 7 MB a year: room for a couple of years in one upload. */
const ANCHOR_FILE_MAX_BYTES = 16 * 1024 * 1024;

function filterFrom(query: Record<string, unknown>): AuditSearchFilter {
  const filter: Record<string, string> = {};
  for (const key of AUDIT_FILTER_FIELDS) {
    const value = field(query, key);
    if (value !== undefined) filter[key] = value;
  }
  return filter as AuditSearchFilter;
}

/** Each entry with its details as text, so the page shows them without a client-side viewer. */
function shown<T extends { details: Record<string, unknown> }>(entry: T): T & { detailsText: string } {
  return { ...entry, detailsText: JSON.stringify(entry.details, null, 2) };
}

/**
 * The auditor's pages: log search with paging, an entry, chain verification, JSONL export, the subject
 * access lookup, reveal volumes. The log holds no contact details, so neither does any page here.
 */
@ApiExcludeController()
@Controller('audit')
@Roles('AUDITOR', 'ADMIN')
export class AuditPagesController {
  constructor(
    private readonly audit: AuditService,
    private readonly reveals: ContactRevealService,
  ) {}

  @Get()
  async search(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const filter = filterFrom(query);
    const page = await this.audit.search(filter, { limit: PAGE_SIZE, beforeSeq: field(query, 'beforeSeq') ?? null }, actor);
    const params = new URLSearchParams(filter as Record<string, string>);
    const next = page.nextBeforeSeq === null ? null : `/audit?${new URLSearchParams({ ...filter, beforeSeq: String(page.nextBeforeSeq) } as Record<string, string>).toString()}`;
    renderPage(res, actor, 'audit-search', 'audit.title', {
      filter,
      entries: page.entries,
      nextHref: next,
      exportHref: `/audit/export${params.size > 0 ? `?${params.toString()}` : ''}`,
    });
  }

  @Get('entries/:seq')
  async entry(@CurrentActor() actor: Actor, @Param('seq', ParseIntPipe) seq: number, @Res() res: Response): Promise<void> {
    // The newest entry at or below seq that this viewer may see: it is the one asked for, or none is.
    const page = await this.audit.search({}, { limit: 1, beforeSeq: seq + 1 }, actor);
    const entry = page.entries[0];
    if (!entry || entry.seq !== seq) throw DomainError.notFound(`Log entry ${seq}`);
    renderPage(res, actor, 'audit-entry', 'audit.entry.title', { titleParams: { seq }, entry: shown(entry) });
  }

  @Get('verify')
  verifyForm(@CurrentActor() actor: Actor, @Res() res: Response): void {
    renderPage(res, actor, 'audit-verify', 'audit.verify.title', { report: null });
  }

  /**
   * Verifies the chain, and against an anchor file when one is uploaded (multipart `anchorFile`) or pasted
   * (`anchors`). The form is multipart, so its CSRF token rides in the action, read before the body.
   */
  @Post('verify')
  @UseInterceptors(FileInterceptor('anchorFile', { limits: { fileSize: ANCHOR_FILE_MAX_BYTES, files: 1, fields: 4, fieldSize: ANCHOR_FILE_MAX_BYTES } }))
  async verify(
    @CurrentActor() actor: Actor,
    @UploadedFile() upload: { buffer: Buffer } | undefined,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const uploaded = upload && upload.buffer.length > 0 ? upload.buffer.toString('utf8') : '';
    const pasted = field(body, 'anchors') ?? '';
    const text = uploaded.trim() !== '' ? uploaded : pasted;
    let outsideAnchors;
    try {
      outsideAnchors = text.trim() === '' ? undefined : parseAnchorFile(text);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      renderPage(res, actor, 'audit-verify', 'audit.verify.title', { report: null, error: err.message, anchors: pasted }, { status: 400 });
      return;
    }
    const report = await this.audit.verify({ outsideAnchors });
    renderPage(res, actor, 'audit-verify', 'audit.verify.title', { report, error: null });
  }

  @Get('export')
  async export(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const filter = filterFrom(query);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="tiltas-audit.jsonl"');
    await this.audit.exportJsonl(res, filter, actor);
    res.end();
  }

  @Get('subject')
  subjectForm(@CurrentActor() actor: Actor, @Res() res: Response): void {
    renderPage(res, actor, 'audit-subject', 'audit.subject.title', { result: null, error: null });
  }

  /** A POST, so the personal code never lands in a URL, a log line or the browser's history. */
  @Post('subject')
  async subject(@CurrentActor() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    try {
      const result = await this.audit.subjectLookup(field(body, 'personalCode') ?? '', actor, { reference: field(body, 'reference') });
      renderPage(res, actor, 'audit-subject', 'audit.subject.title', { result: { ...result, entries: result.entries.map(shown) }, error: null });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      renderPage(res, actor, 'audit-subject', 'audit.subject.title', { result: null, error: err.message, reference: field(body, 'reference') }, { status: 400 });
    }
  }

  /** The same volumes, flags and reasons as the API's /api/outreach/reveals/volume: one service computes them. */
  @Get('reveals')
  async revealVolume(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const volume = await this.reveals.volume(actor, field(query, 'from'), field(query, 'to'));
    // An auditor's reveal volumes are the people they audit: real numbers (docs/suppression.md).
    renderPage(res, actor, 'audit-reveals', 'audit.reveals.title', { volume }, { seesSmallCounts: true });
  }
}

/** The lawful-basis registry, read by auditors, administrators and coordinators choosing one to activate under. */
@ApiExcludeController()
@Controller('lawful-bases')
@Roles('AUDITOR', 'ADMIN', 'COORDINATOR')
export class LawfulBasesPageController {
  constructor(private readonly bases: LawfulBasisService) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    const bases = await this.bases.list();
    renderPage(res, actor, 'lawful-bases', 'lawful.title', { bases });
  }
}
