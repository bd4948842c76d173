import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { Clock, DomainError, ErrorCode, isIsoDate } from '@tiltas/common';
import { CriteriaService, PreviewService, shownPreview } from '@tiltas/identification';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import { FindingsService } from '@tiltas/stats';
import type { Response } from 'express';
import { CriterionForm, FieldErrors, formOf, readCriterionForm } from './criterion-form';
import { field, renderPage } from './page-render';
import { barChart } from './svg-chart';

/**
 * Criteria for coordinators (and national admins): the list, a criterion with its versions, the editor,
 * the preview at a date with its funnel and its difference from the active version, and activation under
 * a lawful basis chosen from the registry. Refusals are shown as the service words them.
 */
@ApiExcludeController()
@Controller('criteria')
@Roles('COORDINATOR', 'ADMIN')
export class CriteriaPagesController {
  constructor(
    private readonly criteria: CriteriaService,
    private readonly previews: PreviewService,
    private readonly bases: LawfulBasisService,
    private readonly clock: Clock,
    private readonly findings: FindingsService,
  ) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    const rows = await this.criteria.list(actor);
    // One row per criterion: list() returns its current versions (active and draft).
    const byId = new Map<string, { id: string; title: string; municipality: string | null; active: number | null; draft: number | null }>();
    for (const r of rows) {
      const c = byId.get(r.criterionId) ?? { id: r.criterionId, title: r.definition.title, municipality: r.municipality, active: null, draft: null };
      if (r.status === 'ACTIVE') c.active = r.version;
      if (r.status === 'DRAFT') c.draft = r.version;
      byId.set(r.criterionId, c);
    }
    renderPage(res, actor, 'criteria-list', 'criteria.title', { criteria: [...byId.values()], dataQualityHref: '/api/findings/data-quality/csv' });
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Param('id') id: string, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.renderDetail(res, actor, id, { activated: field(query, 'activated') ?? null, saved: field(query, 'saved') === '1' });
  }

  private async renderDetail(res: Response, actor: Actor, id: string, extra: Record<string, unknown>, status = 200): Promise<void> {
    const detail = await this.criteria.show(id, actor);
    const bases = await this.bases.list();
    const findings = await this.findings.criterionFindings(actor, id);
    renderPage(
      res,
      actor,
      'criteria-detail',
      'criteria.detail.title',
      {
        titleParams: { id },
        detail,
        bases,
        mayCopy: actor.role === 'COORDINATOR' && detail.municipality === null,
        suggestedCopyId: `${id}-${(actor.municipality ?? '').toLowerCase()}`,
        today: this.clock.now().toISOString().slice(0, 10),
        findings,
        findingsCsvHref: `/api/findings/criteria/${encodeURIComponent(id)}/csv`,
        ...extra,
      },
      { status },
    );
  }

  @Post(':id/copy')
  async copy(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const newId = field(body, 'newId') ?? '';
    try {
      await this.criteria.copyForMunicipality(id, actor.municipality ?? field(body, 'municipality') ?? '', newId, actor);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code === ErrorCode.NOT_FOUND) throw err;
      return this.renderDetail(res, actor, id, { copyError: err.message }, 400);
    }
    res.redirect(303, `/criteria/${encodeURIComponent(newId)}/edit`);
  }

  @Get(':id/edit')
  async edit(@CurrentActor() actor: Actor, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const version = await this.criteria.version(id, actor);
    const detail = await this.criteria.show(id, actor);
    this.renderEditor(res, actor, id, formOf((detail.draft ?? version).definition), {});
  }

  private renderEditor(res: Response, actor: Actor, id: string, form: CriterionForm, errors: FieldErrors, saveError: string | null = null, status = 200): void {
    renderPage(res, actor, 'criteria-edit', 'criteria.editor.title', { titleParams: { id }, id, form, errors, hasErrors: Object.keys(errors).length > 0 || saveError !== null, saveError }, { status });
  }

  @Post(':id/edit')
  async save(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const form: CriterionForm = {
      title: typeof body.title === 'string' ? body.title : '',
      ageMin: typeof body.ageMin === 'string' ? body.ageMin : '',
      ageMax: typeof body.ageMax === 'string' ? body.ageMax : '',
      definition: typeof body.definition === 'string' ? body.definition : '',
      hasAge: body.hasAge === '1',
    };
    const verdict = readCriterionForm(form);
    if (!verdict.ok) return this.renderEditor(res, actor, id, form, verdict.errors, null, 400);
    try {
      await this.criteria.saveDraft(id, verdict.definition, actor);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code === ErrorCode.NOT_FOUND) throw err;
      return this.renderEditor(res, actor, id, form, {}, err.message, 400);
    }
    res.redirect(303, `/criteria/${encodeURIComponent(id)}/preview?asOf=${this.clock.now().toISOString().slice(0, 10)}`);
  }

  @Get(':id/preview')
  async preview(@CurrentActor() actor: Actor, @Param('id') id: string, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const asOf = field(query, 'asOf') ?? this.clock.now().toISOString().slice(0, 10);
    if (!isIsoDate(asOf)) throw DomainError.validation('the date must be YYYY-MM-DD');
    const versionText = field(query, 'version');
    const version = versionText === undefined ? undefined : Number(versionText);
    const preview = await this.previews.preview({ criterionId: id, asOf, version }, actor);
    const shown = shownPreview(preview);
    const detail = await this.criteria.show(id, actor);
    const bases = await this.bases.list();
    renderPage(res, actor, 'criteria-preview', 'criteria.preview.title', {
      titleParams: { id },
      id,
      asOf,
      preview,
      shown,
      funnelSvg: barChart(`${id} ${asOf}`, shown.funnel.map((s) => ({ label: s.label, value: s.remaining }))),
      detail,
      bases,
      previewedVersion: preview.version,
      mayActivate: preview.version !== null && detail.draft?.version === preview.version,
    });
  }

  @Post(':id/activate')
  async activate(@CurrentActor() actor: Actor, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const versionText = field(body, 'version');
    try {
      const result = await this.criteria.activate(id, field(body, 'lawfulBasisId') ?? '', actor, { version: versionText === undefined ? undefined : Number(versionText) });
      res.redirect(303, `/criteria/${encodeURIComponent(id)}?activated=${result.version}`);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code === ErrorCode.NOT_FOUND) throw err;
      await this.renderDetail(res, actor, id, { activateError: err.message }, err.code === ErrorCode.LAWFUL_BASIS_MISSING ? 403 : 400);
    }
  }
}
