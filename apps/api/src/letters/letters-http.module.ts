import { Module } from '@nestjs/common';
import { LettersModule } from '@tiltas/letters';
import { CaseLettersController } from './case-letters.controller';
import { LetterTemplatesController } from './letter-templates.controller';

@Module({ imports: [LettersModule], controllers: [LetterTemplatesController, CaseLettersController] })
export class LettersHttpModule {}
