import { MigrationInterface, QueryRunner } from 'typeorm';

const MUNICIPALITY = `CHECK (municipality ~ '^LT-(0[1-9]|[1-5][0-9]|60)$')`;
const ANSWERS = `('HELP', 'LATER', 'STOP')`;
const OLD_CHANNELS = `('PHONE', 'SMS', 'EMAIL', 'LETTER', 'HOME_VISIT', 'IN_PERSON', 'VIA_PARTNER')`;
const CHANNELS = `('PHONE', 'SMS', 'EMAIL', 'LETTER', 'HOME_VISIT', 'IN_PERSON', 'VIA_PARTNER', 'RESPONSE_LINK')`;

/**
 * The response link every letter, email and SMS carries (docs/response-links.md).
 *
 * - `response_link`: one short link, issued with one letter or message for a case. The link itself is
 *   never stored: `lookup` is a keyed hash of its random part (HMAC under a key derived from the
 *   configured secret), so the table alone gives nobody a working link. It expires, and takes one answer.
 * - `case_response`: the person's answer as it landed on the case. A phone number they leave is contact
 *   data: sealed by the contacts vault (AES-256-GCM, the person's pseudonym as associated data), never in
 *   clear.
 * - `cases.help_requested_at`: set when the person asked for help through a link; their worker's queue
 *   shows the case first, with a notice, until the worker records their next attempt.
 * - `case_attempt.channel` gains RESPONSE_LINK, the channel of the attempt that "I would like help" is.
 */
export class CreateResponseLinks1764000022000 implements MigrationInterface {
  name = 'CreateResponseLinks1764000022000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE response_link (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        lookup bytea NOT NULL UNIQUE CHECK (length(lookup) = 32),
        case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        municipality text NOT NULL ${MUNICIPALITY},
        kind text NOT NULL CHECK (kind IN ('LETTER', 'EMAIL', 'SMS')),
        -- The person's language when the link was issued: the page opens in it.
        language text NOT NULL CHECK (language IN ('lt', 'ru', 'pl', 'en')),
        issued_by text NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        answered_at timestamptz,
        answer text CHECK (answer IN ${ANSWERS}),
        CHECK ((answered_at IS NULL) = (answer IS NULL)),
        CHECK (expires_at > issued_at)
      );
      CREATE INDEX response_link_case ON response_link (case_id);

      CREATE TABLE case_response (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        municipality text NOT NULL ${MUNICIPALITY},
        link_id bigint NOT NULL UNIQUE REFERENCES response_link (id) ON DELETE CASCADE,
        answer text NOT NULL CHECK (answer IN ${ANSWERS}),
        answered_at timestamptz NOT NULL DEFAULT now(),
        callback_on date,
        callback_time text CHECK (callback_time IN ('ANY', 'MORNING', 'AFTERNOON', 'EVENING')),
        phone_sealed bytea,
        phone_key_id text,
        CHECK ((phone_sealed IS NULL) = (phone_key_id IS NULL))
      );
      CREATE INDEX case_response_case ON case_response (case_id, id);

      ALTER TABLE cases ADD COLUMN help_requested_at timestamptz;

      ALTER TABLE case_attempt DROP CONSTRAINT case_attempt_channel_check;
      ALTER TABLE case_attempt ADD CONSTRAINT case_attempt_channel_check CHECK (channel IN ${CHANNELS});

      SELECT tiltas_enable_municipality_scope('response_link');
      SELECT tiltas_enable_municipality_scope('case_response');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'response_link');
      SELECT tiltas_grant_app('SELECT, INSERT', 'case_response');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM case_attempt WHERE channel = 'RESPONSE_LINK';
      ALTER TABLE case_attempt DROP CONSTRAINT case_attempt_channel_check;
      ALTER TABLE case_attempt ADD CONSTRAINT case_attempt_channel_check CHECK (channel IN ${OLD_CHANNELS});
      ALTER TABLE cases DROP COLUMN help_requested_at;
      DROP TABLE case_response;
      DROP TABLE response_link;
    `);
  }
}
