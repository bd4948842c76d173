import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { IdentificationModule } from '@tiltas/identification';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { LettersModule } from '@tiltas/letters';
import { OutreachModule } from '@tiltas/outreach';
import { QueueModule } from '@tiltas/queue';
import { AuditPagesController, LawfulBasesPageController } from './audit-pages.controller';
import { CasePagesController } from './case-pages.controller';
import { CoordinationPagesController } from './coordination-pages.controller';
import { CriteriaPagesController } from './criteria-pages.controller';
import { HomePageController } from './home-page.controller';
import { RunsPagesController } from './runs-pages.controller';

/** The server-rendered pages: thin controllers over the same lib services the JSON API calls. */
@Module({
  imports: [AuditModule, LawfulBasesModule, IdentificationModule, QueueModule, OutreachModule, LettersModule],
  controllers: [HomePageController, AuditPagesController, LawfulBasesPageController, CriteriaPagesController, RunsPagesController, CasePagesController, CoordinationPagesController],
})
export class PagesModule {}
