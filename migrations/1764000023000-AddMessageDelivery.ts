import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery statuses of email and SMS (docs/messages.md).
 *
 * - `outgoing_message.delivery`: what became of a message after Tiltas handed it over. QUEUED until the
 *   relay or gateway takes it, ACCEPTED when it did (SMTP 250, gateway 2xx), then DELIVERED, BOUNCED or
 *   FAILED from the signed callbacks of the SMS gateway and of the mail system's bounce processing.
 *   `delivery_reason` is a short reason code, never a server's reply text (which can quote an address).
 * - `delivery_callback`: each accepted callback's own id, per source, so a replayed callback (the same
 *   signed body sent again) is refused. It holds no address and no text.
 */
export class AddMessageDelivery1764000023000 implements MigrationInterface {
  name = 'AddMessageDelivery1764000023000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outgoing_message
        ADD COLUMN delivery text NOT NULL DEFAULT 'QUEUED' CHECK (delivery IN ('QUEUED', 'ACCEPTED', 'DELIVERED', 'BOUNCED', 'FAILED')),
        ADD COLUMN delivery_at timestamptz,
        ADD COLUMN delivery_reason text CHECK (delivery_reason ~ '^[A-Z0-9_.]{1,60}$');
      UPDATE outgoing_message SET delivery = 'ACCEPTED', delivery_at = sent_at WHERE status = 'SENT';
      UPDATE outgoing_message SET delivery = 'FAILED', delivery_at = failed_at, delivery_reason = left(regexp_replace(coalesce(last_error, 'UNKNOWN'), '[^A-Z0-9_.]', '_', 'g'), 60)
       WHERE status = 'FAILED';

      CREATE TABLE delivery_callback (
        source text NOT NULL CHECK (source IN ('SMS', 'EMAIL')),
        callback_id text NOT NULL CHECK (callback_id ~ '^[A-Za-z0-9._:-]{1,100}$'),
        message_id uuid NOT NULL REFERENCES outgoing_message (id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('DELIVERED', 'BOUNCED', 'FAILED')),
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, callback_id)
      );
      CREATE INDEX delivery_callback_message ON delivery_callback (message_id);
      SELECT tiltas_grant_app('SELECT, INSERT', 'delivery_callback');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE delivery_callback;
      ALTER TABLE outgoing_message DROP COLUMN delivery_reason, DROP COLUMN delivery_at, DROP COLUMN delivery;
    `);
  }
}
