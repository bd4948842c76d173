import { Module } from '@nestjs/common';
import { OutreachModule } from '@tiltas/outreach';
import { OutreachCasesController } from './outreach-cases.controller';
import { OutreachCoordinationController } from './outreach-coordination.controller';
import { OutreachOversightController } from './outreach-oversight.controller';
import { PartnerReferralsController } from './partner-referrals.controller';

@Module({
  imports: [OutreachModule],
  controllers: [OutreachCasesController, OutreachCoordinationController, OutreachOversightController, PartnerReferralsController],
})
export class OutreachHttpModule {}
