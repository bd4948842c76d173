import { Module } from '@nestjs/common';
import { AccessModule } from '@tiltas/access';
import { AuditModule } from '@tiltas/audit';
import { IdentificationModule } from '@tiltas/identification';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { LettersModule } from '@tiltas/letters';
import { OutreachModule } from '@tiltas/outreach';
import { QueueModule } from '@tiltas/queue';
import { RegistersModule } from '@tiltas/registers';
import { StatsModule } from '@tiltas/stats';
import { AccountPagesController } from './account-pages.controller';
import { AdminPagesController } from './admin-pages.controller';
import { AuditPagesController, LawfulBasesPageController } from './audit-pages.controller';
import { CasePagesController } from './case-pages.controller';
import { CoordinationPagesController } from './coordination-pages.controller';
import { CriteriaPagesController } from './criteria-pages.controller';
import { HomePageController } from './home-page.controller';
import { PageFlash } from './page-flash';
import { PartnerPagesController } from './partner-pages.controller';
import { ResponsePagesController } from './response-pages.controller';
import { RunsPagesController } from './runs-pages.controller';

/** The server-rendered pages: thin controllers over the same lib services the JSON API calls. */
@Module({
  imports: [AccessModule, AuditModule, LawfulBasesModule, IdentificationModule, QueueModule, OutreachModule, LettersModule, RegistersModule.forRoot(), StatsModule],
  controllers: [HomePageController, AuditPagesController, LawfulBasesPageController, CriteriaPagesController, RunsPagesController, CasePagesController, CoordinationPagesController, AdminPagesController, PartnerPagesController, ResponsePagesController, AccountPagesController],
  providers: [PageFlash],
})
export class PagesModule {}
