import { Module } from '@nestjs/common';
import { IdentificationModule } from '@tiltas/identification';
import { CriteriaController } from './criteria.controller';

@Module({ imports: [IdentificationModule], controllers: [CriteriaController] })
export class CriteriaHttpModule {}
