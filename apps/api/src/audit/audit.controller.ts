import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { AUDIT_FILTER_FIELDS, AuditPage, AuditSearchFilter, AuditService, AuditVerification, SubjectLookupResult, parseAnchorFile } from '@tiltas/audit';
import { DomainError } from '@tiltas/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import { ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { AUDIT_PAGE, AUDIT_VERIFICATION, SUBJECT_LOOKUP } from '../platform/api-schemas';

export class SubjectLookupDto {
  @ApiProperty({ description: 'The personal code (asmens kodas). Sent in the body so that it never appears in a URL or an access log.' })
  @IsString()
  @MaxLength(32)
  personalCode!: string;

  @ApiPropertyOptional({ description: 'The access request reference, kept in the log entry', example: 'DSAR 2026/7' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reference?: string;
}

/** The body type of an anchor file sent to POST /api/audit/verify (read as text by configure-app). */
export const ANCHOR_FILE_TYPE = 'application/x-ndjson';
/** The filters entries/export take, as the audit lib reads them (audit-filter.ts). */
const FILTER_QUERY: ReadonlyArray<{ name: (typeof AUDIT_FILTER_FIELDS)[number]; description: string; schema: Record<string, unknown> }> = [
  { name: 'from', description: 'From this day (YYYY-MM-DD, UTC) or instant (RFC 3339), inclusive.', schema: { type: 'string', example: '2026-10-01' } },
  { name: 'to', description: 'To this day, inclusive, or before this instant.', schema: { type: 'string', example: '2026-10-31' } },
  { name: 'actor', description: 'A user id or system:<job>.', schema: { type: 'string', pattern: '^[^\\s]{1,200}$' } },
  { name: 'action', description: 'An action such as case.created, or a family such as case.*.', schema: { type: 'string', pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?$' } },
  { name: 'municipality', description: 'LT-01…LT-60.', schema: { type: 'string', pattern: '^LT-\\d{2}$' } },
  { name: 'lawfulBasisId', description: 'A lawful-basis id.', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } },
  { name: 'caseId', description: 'Entries about this case.', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' } },
  { name: 'subject', description: 'A pseudonym (64 lowercase hex).', schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
  { name: 'objectType', description: 'An object type such as case.', schema: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,39}$' } },
  { name: 'objectId', description: 'An object id.', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' } },
];

function AuditFilterQuery(): MethodDecorator {
  return applyDecorators(...FILTER_QUERY.map((q) => ApiQuery({ name: q.name, required: false, description: q.description, schema: q.schema })));
}

function splitQuery(query: Record<string, unknown>): { filter: AuditSearchFilter; limit?: number; beforeSeq?: string } {
  const filter: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (key === 'limit' || key === 'beforeSeq') continue;
    if (!(AUDIT_FILTER_FIELDS as readonly string[]).includes(key)) problems.push(`unknown filter ${key}`);
    else if (typeof value !== 'string') problems.push(`${key} given more than once`);
    else filter[key] = value;
  }
  if (problems.length > 0) throw DomainError.validation(problems.join('; '), { problems });
  const limit = typeof query.limit === 'string' ? Number(query.limit) : undefined;
  return { filter, limit, beforeSeq: typeof query.beforeSeq === 'string' ? query.beforeSeq : undefined };
}

/** The audit log for auditors: search, verify, export, subject access lookup. A municipal auditor sees their municipality's entries. */
@ApiStandardErrors()
@ApiTags('audit')
@Roles('AUDITOR')
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('entries')
  @ApiOperation({ summary: 'Search entries, newest first (from, to, actor, action or family like case.*, municipality, lawfulBasisId, caseId, subject, objectType, objectId; limit, beforeSeq)' })
  @AuditFilterQuery()
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } })
  @ApiQuery({ name: 'beforeSeq', required: false, description: 'The previous page\'s nextBeforeSeq.', schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } })
  @ApiJsonResponse(200, 'The entries, newest first', AUDIT_PAGE)
  search(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>): Promise<AuditPage> {
    const { filter, limit, beforeSeq } = splitQuery(query);
    return this.audit.search(filter, { limit, beforeSeq }, actor);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the chain: the first broken link, and whether the tail matches the last anchor' })
  @ApiJsonResponse(200, 'The verification report', AUDIT_VERIFICATION)
  verify(): Promise<AuditVerification> {
    return this.audit.verify();
  }

  @Post('verify')
  @HttpCode(200)
  @ApiConsumes(ANCHOR_FILE_TYPE)
  @ApiBody({ description: 'An anchor file: one anchor document per line, as `tiltas audit anchor --out` and the worker write it', schema: { type: 'string' } })
  @ApiJsonResponse(200, 'The verification report, with the outside anchors checked', AUDIT_VERIFICATION)
  @ApiOperation({ summary: 'Recompute the chain and check it against anchors kept outside the database (docs/audit-log.md, "Anchors outside the database")' })
  verifyAgainst(@Req() req: Request): Promise<AuditVerification> {
    if (typeof req.body !== 'string') throw DomainError.validation(`send the anchor file as the request body, with Content-Type ${ANCHOR_FILE_TYPE}`);
    return this.audit.verify({ outsideAnchors: parseAnchorFile(req.body) });
  }

  @Get('export')
  @ApiOperation({ summary: 'Export as JSONL: a header line with the head and last anchor, then one entry per line (docs/audit-log.md)' })
  @AuditFilterQuery()
  @ApiOkResponse({ description: 'JSON lines: the header, then one entry per line', content: { 'application/x-ndjson': { schema: { type: 'string' } } } })
  async export(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { filter } = splitQuery(query);
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="tiltas-audit-${new Date().toISOString().slice(0, 10)}.jsonl"`);
    await this.audit.exportJsonl(res, filter, actor);
    res.end();
  }

  @Post('subject-lookup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Subject access lookup: every entry about the person with this personal code (logged; the code is not stored)' })
  @ApiJsonResponse(200, 'The entries about the person', SUBJECT_LOOKUP)
  lookup(@CurrentActor() actor: Actor, @Body() body: SubjectLookupDto): Promise<SubjectLookupResult> {
    return this.audit.subjectLookup(body.personalCode, actor, { reference: body.reference });
  }
}
