import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { LawfulBasisRepository } from './lawful-basis.repository';
import { LawfulBasisService } from './lawful-basis.service';

/** The lawful-basis registry. Needs the global ConfigModule, ClockModule and DatabaseModule. */
@Module({
  imports: [AuditModule],
  providers: [LawfulBasisRepository, LawfulBasisService],
  exports: [LawfulBasisService],
})
export class LawfulBasesModule {}
