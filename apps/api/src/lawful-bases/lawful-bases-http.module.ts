import { Module } from '@nestjs/common';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { LawfulBasesController } from './lawful-bases.controller';

@Module({ imports: [LawfulBasesModule], controllers: [LawfulBasesController] })
export class LawfulBasesHttpModule {}
