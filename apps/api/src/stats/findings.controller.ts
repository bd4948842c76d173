import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { CriterionFindings, DataQualityReport, FindingsService } from '@tiltas/stats';
import type { Response } from 'express';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { CRITERION_FINDINGS, DATA_QUALITY_REPORT } from '../platform/api-schemas';

const MUNICIPALITY_QUERY = { name: 'municipality', required: false, description: 'A national viewer\'s choice: LT-01…LT-60 or national', schema: { type: 'string', pattern: '^(LT-\\d{2}|national)$' } } as const;
const CSV_FILE = { description: 'The CSV file (an attachment)', content: { 'text/csv': { schema: { type: 'string' } } } };

function sendCsv(res: Response, file: { filename: string; csv: string }): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
  res.send(file.csv);
}

/**
 * Workers' findings fed back: per criterion (NOT_ELIGIBLE closings by the register they name, lapsed
 * reasons), and the register holders' data-quality counts. Counts only, small ones suppressed; a
 * municipal viewer reads their municipality, a national one any municipality or the country.
 */
@ApiStandardErrors()
@ApiTags('statistics')
@Roles('COORDINATOR', 'AUDITOR', 'ADMIN')
@Controller('api/findings')
export class FindingsController {
  constructor(private readonly findings: FindingsService) {}

  @Get('criteria/:id')
  @ApiOperation({ summary: 'A criterion\'s NOT_ELIGIBLE findings by register and its lapsed reasons by register, per version (coordinators and administrators)' })
  @ApiQuery(MUNICIPALITY_QUERY)
  @ApiJsonResponse(200, 'The findings per version', CRITERION_FINDINGS)
  @ApiErrorResponse(404, 'No such criterion')
  criterion(@CurrentActor() actor: Actor, @Param('id') id: string, @Query('municipality') municipality?: string): Promise<CriterionFindings> {
    return this.findings.criterionFindings(actor, id, municipality);
  }

  @Get('criteria/:id/csv')
  @ApiOperation({ summary: 'The same as CSV (municipality, criterion_id, criterion_version, finding, register, reason, value), logged as export.downloaded' })
  @ApiQuery(MUNICIPALITY_QUERY)
  @ApiOkResponse(CSV_FILE)
  @ApiErrorResponse(404, 'No such criterion')
  async criterionCsv(@CurrentActor() actor: Actor, @Param('id') id: string, @Res() res: Response, @Query('municipality') municipality?: string): Promise<void> {
    sendCsv(res, await this.findings.criterionFindingsCsv(actor, id, municipality));
  }

  @Get('data-quality')
  @ApiOperation({ summary: 'For register holders: NOT_ELIGIBLE findings naming each register, per criterion version; always suppressed, as it leaves Tiltas' })
  @ApiQuery(MUNICIPALITY_QUERY)
  @ApiJsonResponse(200, 'The data-quality counts', DATA_QUALITY_REPORT)
  dataQuality(@CurrentActor() actor: Actor, @Query('municipality') municipality?: string): Promise<DataQualityReport> {
    return this.findings.dataQuality(actor, municipality);
  }

  @Get('data-quality/csv')
  @ApiOperation({ summary: 'The same as CSV (municipality, register, criterion_id, criterion_version, not_eligible_findings; `all` for totals), logged as export.downloaded' })
  @ApiQuery(MUNICIPALITY_QUERY)
  @ApiOkResponse(CSV_FILE)
  async dataQualityCsv(@CurrentActor() actor: Actor, @Res() res: Response, @Query('municipality') municipality?: string): Promise<void> {
    sendCsv(res, await this.findings.dataQualityCsv(actor, municipality));
  }
}
