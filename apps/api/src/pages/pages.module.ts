import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { IdentificationModule } from '@tiltas/identification';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { QueueModule } from '@tiltas/queue';
import { AuditPagesController, LawfulBasesPageController } from './audit-pages.controller';
import { CriteriaPagesController } from './criteria-pages.controller';
import { HomePageController } from './home-page.controller';
import { RunsPagesController } from './runs-pages.controller';

/** The server-rendered pages: thin controllers over the same lib services the JSON API calls. */
@Module({
  imports: [AuditModule, LawfulBasesModule, IdentificationModule, QueueModule],
  controllers: [HomePageController, AuditPagesController, LawfulBasesPageController, CriteriaPagesController, RunsPagesController],
})
export class PagesModule {}
