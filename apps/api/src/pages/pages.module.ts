import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { AuditPagesController, LawfulBasesPageController } from './audit-pages.controller';
import { HomePageController } from './home-page.controller';

/** The server-rendered pages: thin controllers over the same lib services the JSON API calls. */
@Module({
  imports: [AuditModule, LawfulBasesModule],
  controllers: [HomePageController, AuditPagesController, LawfulBasesPageController],
})
export class PagesModule {}
