import { Module } from '@nestjs/common';
import { StatsModule } from '@tiltas/stats';
import { StatisticsPagesController } from '../pages/statistics-pages.controller';
import { FindingsController } from './findings.controller';
import { StatsController } from './stats.controller';

/** The statistics over HTTP: the JSON API with its CSV, and the page that shows the same report. */
@Module({
  imports: [StatsModule],
  controllers: [StatsController, FindingsController, StatisticsPagesController],
})
export class StatsHttpModule {}
