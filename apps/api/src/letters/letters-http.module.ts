import { Module } from '@nestjs/common';
import { LettersModule } from '@tiltas/letters';
import { CaseLettersController } from './case-letters.controller';
import { DeliveryCallbacksController } from './delivery-callbacks.controller';
import { LetterTemplatesController } from './letter-templates.controller';

@Module({ imports: [LettersModule], controllers: [LetterTemplatesController, CaseLettersController, DeliveryCallbacksController] })
export class LettersHttpModule {}
