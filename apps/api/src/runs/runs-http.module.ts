import { Module } from '@nestjs/common';
import { IdentificationModule } from '@tiltas/identification';
import { RunsController } from './runs.controller';

@Module({ imports: [IdentificationModule], controllers: [RunsController] })
export class RunsHttpModule {}
