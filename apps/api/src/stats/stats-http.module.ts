import { Module } from '@nestjs/common';
import { StatsModule } from '@tiltas/stats';
import { StatisticsPagesController } from '../pages/statistics-pages.controller';
import { StatsController } from './stats.controller';

/** The statistics over HTTP: the JSON API with its CSV, and the page that shows the same report. */
@Module({
  imports: [StatsModule],
  controllers: [StatsController, StatisticsPagesController],
})
export class StatsHttpModule {}
