import { ApiPropertyOptional } from '@nestjs/swagger';
import type { StatsQuery } from '@tiltas/stats';
import { IsOptional, Matches } from 'class-validator';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The statistics' filter, for the API, the CSV and the page alike. */
export class StatsQueryDto implements StatsQuery {
  @ApiPropertyOptional({ example: '2026-01', description: 'First month (YYYY-MM, Europe/Vilnius), inclusive; eleven months before `to` when absent.' })
  @IsOptional()
  @Matches(MONTH, { message: 'from must be a month YYYY-MM' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12', description: 'Last month (YYYY-MM, Europe/Vilnius), inclusive; this month when absent. At most 36 months in all.' })
  @IsOptional()
  @Matches(MONTH, { message: 'to must be a month YYYY-MM' })
  to?: string;

  @ApiPropertyOptional({ example: 'neet-youth', description: 'Only cases listed by this cohort (criterion id).' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, { message: 'cohort must be a criterion id such as neet-youth' })
  cohort?: string;

  @ApiPropertyOptional({
    example: 'LT-57',
    description: 'National auditors and administrators: one municipality, or `national` (the default) for the whole country. Others read their own municipality only.',
  })
  @IsOptional()
  @Matches(/^(LT-(0[1-9]|[1-5][0-9]|60)|national)$/, { message: 'municipality must be a code LT-01…LT-60 or national' })
  municipality?: string;
}
