import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { DomainError } from '@tiltas/common';
import {
  ActivationResult,
  CriteriaService,
  CriterionDetail,
  CriterionVersionView,
  PreviewService,
  Preview,
  ShownPreview,
  shownPreview,
} from '@tiltas/identification';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors, INT4_MAX, IdParam } from '../platform/api-docs';
import { ACTIVATION_RESULT, CRITERION_DETAIL, CRITERION_SQL, CRITERION_VERSION, PREVIEW, listOf } from '../platform/api-schemas';

const VERSION_SCHEMA = { type: 'integer', minimum: 1, maximum: INT4_MAX };

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw DomainError.validation(`${name} is required`);
  return value;
}

function optionalVersion(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > INT4_MAX) throw DomainError.validation(`version must be a whole number from 1 to ${INT4_MAX}`);
  return n;
}

/**
 * Targeting criteria for coordinators and admins: list, show (with history and the reviewer's SQL), edit
 * the draft, copy for a municipality, preview at a date, activate under a lawful basis. A coordinator sees
 * national criteria and their own municipality's; small counts in a preview are "<5" outside the national
 * admin view.
 */
@ApiStandardErrors()
@ApiTags('criteria')
@Controller('api/criteria')
@Roles('ADMIN', 'COORDINATOR')
export class CriteriaController {
  constructor(
    private readonly criteria: CriteriaService,
    private readonly previews: PreviewService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Criteria I may see: national ones and my municipality\'s copies, each at its active (else draft) version' })
  @ApiJsonResponse(200, 'The criteria', listOf(CRITERION_VERSION))
  list(@CurrentActor() actor: Actor): Promise<CriterionVersionView[]> {
    return this.criteria.list(actor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A criterion with its active version, draft and history' })
  @ApiJsonResponse(200, 'The criterion', CRITERION_DETAIL)
  @ApiErrorResponse(404, 'No such criterion in my scope')
  show(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<CriterionDetail> {
    return this.criteria.show(id, actor);
  }

  @Get(':id/sql')
  @ApiOperation({ summary: 'The SQL a run would execute, for a reviewer to run by hand' })
  @ApiQuery({ name: 'version', required: false, description: 'The active version when absent.', schema: VERSION_SCHEMA })
  @ApiQuery({ name: 'asOf', required: false, description: 'The date to compile for; today when absent.', schema: { type: 'string', format: 'date' } })
  @ApiJsonResponse(200, 'The SQL', CRITERION_SQL)
  @ApiErrorResponse(404, 'No such criterion or version in my scope')
  async sql(@CurrentActor() actor: Actor, @Param('id') id: string, @Query('version') version?: string, @Query('asOf') asOf?: string): Promise<{ sql: string }> {
    return { sql: await this.criteria.reviewSql(id, actor, { version: optionalVersion(version), asOf }) };
  }

  /** Writes the draft (the whole definition); the active version stays live until the draft is activated. */
  @Put(':id/draft')
  @ApiOperation({ summary: 'Write the draft (the whole definition); the active version stays live until the draft is activated' })
  @ApiBody({ schema: { type: 'object', required: ['definition'], properties: { definition: { type: 'object', additionalProperties: true, description: 'The criterion definition (age band, look-back windows, exclusions, priority).' } } } })
  @ApiJsonResponse(200, 'The draft', CRITERION_VERSION)
  @ApiErrorResponse(404, 'No such criterion in my scope')
  saveDraft(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: { definition?: unknown }): Promise<CriterionVersionView> {
    if (body?.definition === undefined) throw DomainError.validation('definition is required');
    return this.criteria.saveDraft(id, body.definition, actor);
  }

  @Post(':id/copies')
  @ApiOperation({ summary: 'Copy a national criterion for a municipality (a draft of its own, based on it)' })
  @ApiBody({ schema: { type: 'object', required: ['municipality', 'id'], properties: { municipality: { type: 'string', example: 'LT-57' }, id: { type: 'string', example: 'neet-youth-lt57' } } } })
  @ApiJsonResponse(201, 'The copy\'s draft', CRITERION_VERSION)
  @ApiErrorResponse(404, 'No such criterion in my scope')
  @ApiErrorResponse(403, 'I act for another municipality')
  @ApiErrorResponse(409, 'A criterion with that id exists already, or this municipality has a copy')
  copy(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: { municipality?: unknown; id?: unknown }): Promise<CriterionVersionView> {
    return this.criteria.copyForMunicipality(id, text(body?.municipality, 'municipality'), text(body?.id, 'id'), actor);
  }

  /** Counts only; `shown` is what this viewer may see. */
  @Post(':id/preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'What a version, or a definition not saved, would find at a date: total, per municipality, funnel and the difference to what is live' })
  @ApiBody({ schema: { type: 'object', required: ['asOf'], properties: { asOf: { type: 'string', format: 'date' }, version: VERSION_SCHEMA, definition: { type: 'object', additionalProperties: true } } } })
  @ApiJsonResponse(200, 'The counts; `shown` is what this viewer may see', PREVIEW)
  @ApiErrorResponse(404, 'No such criterion in my scope')
  @ApiErrorResponse(409, 'A register the criterion reads has no ACTIVE extract, or its extracts were pseudonymised under different keys')
  async preview(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: { asOf?: unknown; version?: unknown; definition?: unknown },
  ): Promise<Omit<Preview, 'total' | 'byMunicipality' | 'funnel' | 'diff'> & { shown: ShownPreview }> {
    const preview = await this.previews.preview({ criterionId: id, asOf: text(body?.asOf, 'asOf'), version: optionalVersion(body?.version), definition: body?.definition }, actor);
    const { total: _t, byMunicipality: _b, funnel: _f, diff: _d, ...rest } = preview;
    // Raw counts go only to those who may see small ones; everyone else gets the suppressed view alone.
    return preview.showsSmallCounts ? { ...preview, shown: shownPreview(preview) } : { ...rest, shown: shownPreview(preview) };
  }

  @Post(':id/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activate the draft (or a given version) under a lawful basis; the version it replaces retires' })
  @ApiBody({ schema: { type: 'object', required: ['lawfulBasisId'], properties: { lawfulBasisId: { type: 'string', example: 'LB-NEET-2026' }, version: VERSION_SCHEMA } } })
  @ApiJsonResponse(200, 'Activated', ACTIVATION_RESULT)
  @ApiErrorResponse(404, 'No such criterion in my scope')
  @ApiErrorResponse(403, 'The lawful basis does not cover what the criterion reads')
  @ApiErrorResponse(409, 'No draft to activate, or the version is not a draft')
  activate(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: { lawfulBasisId?: unknown; version?: unknown }): Promise<ActivationResult> {
    return this.criteria.activate(id, text(body?.lawfulBasisId, 'lawfulBasisId'), actor, { version: optionalVersion(body?.version) });
  }

  @Get(':id/versions/:version')
  @ApiOperation({ summary: 'One version of a criterion' })
  @ApiJsonResponse(200, 'The version', CRITERION_VERSION)
  @ApiErrorResponse(404, 'No such criterion or version in my scope')
  async version(@CurrentActor() actor: Actor, @Param('id') id: string, @IdParam('version', 'int4') version: number): Promise<CriterionVersionView> {
    return this.criteria.version(id, actor, version);
  }
}
