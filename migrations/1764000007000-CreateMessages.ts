import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Letters and messages (libs/letters).
 *
 * - `message_template`: a municipality's own wording of a kind (LETTER, EMAIL, SMS) in a language. The
 *   national defaults live in code (reviewed, tested against the forbidden words); a row here overrides
 *   one for one municipality, and deleting it goes back to the default.
 * - `letter_sender`: what a municipality's letters say about the sender: its name and the contacts a
 *   person can answer to.
 * - `outgoing_message`: one email or SMS a worker asked to send for a case. It holds no address, phone or
 *   text (those are read from the contacts vault when the job sends), only what happened: PENDING until
 *   the job sends it; SENT in the same transaction as the case's attempt, so a retry after SENT does
 *   nothing; FAILED when sending is given up.
 *
 * All three carry the municipality and are protected by row-level security.
 */
export class CreateMessages1764000007000 implements MigrationInterface {
  name = 'CreateMessages1764000007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE message_template (
        municipality text NOT NULL CHECK (municipality ~ '^LT-(0[1-9]|[1-5][0-9]|60)$'),
        kind text NOT NULL CHECK (kind IN ('LETTER', 'EMAIL', 'SMS')),
        language text NOT NULL CHECK (language IN ('lt', 'ru', 'pl', 'en')),
        subject text CHECK (length(subject) <= 200),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        PRIMARY KEY (municipality, kind, language),
        CHECK ((kind = 'SMS') = (subject IS NULL))
      );

      CREATE TABLE letter_sender (
        municipality text PRIMARY KEY CHECK (municipality ~ '^LT-(0[1-9]|[1-5][0-9]|60)$'),
        municipality_name text NOT NULL CHECK (length(municipality_name) BETWEEN 1 AND 200),
        contact_phone text CHECK (length(contact_phone) <= 40),
        contact_email text CHECK (length(contact_email) <= 254),
        office_address text CHECK (length(office_address) <= 300),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL
      );

      CREATE TABLE outgoing_message (
        id uuid PRIMARY KEY,
        case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        municipality text NOT NULL CHECK (municipality ~ '^LT-(0[1-9]|[1-5][0-9]|60)$'),
        channel text NOT NULL CHECK (channel IN ('EMAIL', 'SMS')),
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
        -- Delivery tries so far (each job attempt that reached the transport).
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        requested_by uuid NOT NULL REFERENCES users (id),
        requested_at timestamptz NOT NULL DEFAULT now(),
        -- The language the person was written to in (from the contacts register when sent).
        language text CHECK (language IN ('lt', 'ru', 'pl', 'en')),
        sent_at timestamptz,
        failed_at timestamptz,
        -- A reason code (TRANSPORT_REJECTED, NO_EMAIL, ...), never an address or a server's reply text.
        last_error text CHECK (length(last_error) <= 200),
        CHECK ((status = 'SENT') = (sent_at IS NOT NULL)),
        CHECK ((status = 'FAILED') = (failed_at IS NOT NULL))
      );
      CREATE INDEX outgoing_message_case ON outgoing_message (case_id, requested_at);
      CREATE INDEX outgoing_message_pending ON outgoing_message (requested_at) WHERE status = 'PENDING';

      SELECT tiltas_enable_municipality_scope('message_template');
      SELECT tiltas_enable_municipality_scope('letter_sender');
      SELECT tiltas_enable_municipality_scope('outgoing_message');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE, DELETE', 'message_template');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'letter_sender');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'outgoing_message');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE outgoing_message; DROP TABLE letter_sender; DROP TABLE message_template;');
  }
}
