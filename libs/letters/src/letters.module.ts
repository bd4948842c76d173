import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { ContactsModule } from '@tiltas/contacts';
import { OutreachModule } from '@tiltas/outreach';
import { DeliveryCallbacksService } from './delivery-callbacks.service';
import { InvitationLetterService } from './invitation-letter.service';
import { LetterTemplatesService } from './letter-templates.service';
import { LettersRepository } from './letters.repository';
import { MessageSendingService } from './message-sending.service';
import { LetterComposer } from './templates/letter-composer';
import { TemplateEngine } from './templates/template-engine';
import { HttpSmsTransport } from './transport/http-sms.transport';
import { EmailTransport, SmsTransport } from './transport/message-transport';
import { SmtpEmailTransport } from './transport/smtp-email.transport';

/**
 * Letters and messages. Needs ConfigModule, ClockModule, DatabaseModule and QueueModule (global) in the
 * composing application. The worker adds SendMessageHandler; the transports are bound to their abstract
 * classes here, so another transport is one provider away.
 */
@Module({
  imports: [AuditModule, ContactsModule, OutreachModule],
  providers: [
    { provide: TemplateEngine, useFactory: () => new TemplateEngine() },
    { provide: LetterComposer, inject: [TemplateEngine], useFactory: (engine: TemplateEngine) => new LetterComposer(engine) },
    { provide: EmailTransport, useClass: SmtpEmailTransport },
    { provide: SmsTransport, useClass: HttpSmsTransport },
    LettersRepository,
    LetterTemplatesService,
    InvitationLetterService,
    MessageSendingService,
    DeliveryCallbacksService,
  ],
  exports: [LetterTemplatesService, InvitationLetterService, MessageSendingService, DeliveryCallbacksService],
})
export class LettersModule {}
