import { Module } from '@nestjs/common';
import { OutreachModule } from '@tiltas/outreach';
import { OutreachCasesController } from './outreach-cases.controller';
import { OutreachCoordinationController } from './outreach-coordination.controller';
import { OutreachOversightController } from './outreach-oversight.controller';

@Module({
  imports: [OutreachModule],
  controllers: [OutreachCasesController, OutreachCoordinationController, OutreachOversightController],
})
export class OutreachHttpModule {}
