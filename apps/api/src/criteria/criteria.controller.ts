import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Put, Query } from '@nestjs/common';
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

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw DomainError.validation(`${name} is required`);
  return value;
}

function optionalVersion(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw DomainError.validation('version must be a whole number of at least 1');
  return n;
}

/**
 * Targeting criteria for coordinators and admins: list, show (with history and the reviewer's SQL), edit
 * the draft, copy for a municipality, preview at a date, activate under a lawful basis. A coordinator sees
 * national criteria and their own municipality's; small counts in a preview are "<5" outside the national
 * admin view.
 */
@Controller('api/criteria')
@Roles('ADMIN', 'COORDINATOR')
export class CriteriaController {
  constructor(
    private readonly criteria: CriteriaService,
    private readonly previews: PreviewService,
  ) {}

  @Get()
  list(@CurrentActor() actor: Actor): Promise<CriterionVersionView[]> {
    return this.criteria.list(actor);
  }

  @Get(':id')
  show(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<CriterionDetail> {
    return this.criteria.show(id, actor);
  }

  @Get(':id/sql')
  async sql(@CurrentActor() actor: Actor, @Param('id') id: string, @Query('version') version?: string, @Query('asOf') asOf?: string): Promise<{ sql: string }> {
    return { sql: await this.criteria.reviewSql(id, actor, { version: optionalVersion(version), asOf }) };
  }

  /** Writes the draft (the whole definition); the active version stays live until the draft is activated. */
  @Put(':id/draft')
  saveDraft(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: { definition?: unknown }): Promise<CriterionVersionView> {
    if (body?.definition === undefined) throw DomainError.validation('definition is required');
    return this.criteria.saveDraft(id, body.definition, actor);
  }

  @Post(':id/copies')
  copy(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: { municipality?: unknown; id?: unknown }): Promise<CriterionVersionView> {
    return this.criteria.copyForMunicipality(id, text(body?.municipality, 'municipality'), text(body?.id, 'id'), actor);
  }

  /** Counts only; `shown` is what this viewer may see. */
  @Post(':id/preview')
  @HttpCode(200)
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
  activate(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: { lawfulBasisId?: unknown; version?: unknown }): Promise<ActivationResult> {
    return this.criteria.activate(id, text(body?.lawfulBasisId, 'lawfulBasisId'), actor, { version: optionalVersion(body?.version) });
  }

  @Get(':id/versions/:version')
  async version(@CurrentActor() actor: Actor, @Param('id') id: string, @Param('version', ParseIntPipe) version: number): Promise<CriterionVersionView> {
    return this.criteria.version(id, actor, version);
  }
}
