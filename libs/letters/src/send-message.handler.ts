import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobHandler, JobName, JobPayloads, JobProducer, LETTERS_RATE_LIMIT, QueueName } from '@tiltas/queue';
import { DeliveryResult, MessageSendingService } from './message-sending.service';

/**
 * The worker's handler of `letters.send`. Provided by the worker only (not by LettersModule), so no other
 * app grows a second handler. On start it sets the letters queue's global rate limit, which BullMQ keeps
 * in Redis and every worker process obeys.
 */
@Injectable()
export class SendMessageHandler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Letters');

  constructor(
    private readonly sending: MessageSendingService,
    private readonly producer: JobProducer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.producer.queue(QueueName.LETTERS).setGlobalRateLimit(LETTERS_RATE_LIMIT.max, LETTERS_RATE_LIMIT.duration);
    this.logger.log({ queue: QueueName.LETTERS, ...LETTERS_RATE_LIMIT }, 'letters rate limit set');
  }

  @JobHandler(JobName.SEND_MESSAGE)
  handle(payload: JobPayloads[JobName.SEND_MESSAGE], context: { attempt: number }): Promise<DeliveryResult> {
    return this.sending.deliver(payload.messageId, context.attempt);
  }
}
