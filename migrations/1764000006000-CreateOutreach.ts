import { MigrationInterface, QueryRunner } from 'typeorm';

const MUNICIPALITY_CHECK = `~ '^LT-(0[1-9]|[1-5][0-9]|60)$'`;

/**
 * Outreach work on cases: the municipality's directory of services and partners, contact attempts,
 * referrals, each case's history of events, the log of contact reveals (for rate and volume checks), and
 * the hand-over columns on `cases`.
 *
 * Every table carries the municipality of its case and is protected by row-level security like `cases`,
 * so a worker's transaction cannot read another municipality's attempts, referrals or reveals. Attempts,
 * events and reveals are append-only for the application role: history is added to, never rewritten.
 * Children cascade with their case, so the retention purge of a closed case takes its history with it.
 */
export class CreateOutreach1764000006000 implements MigrationInterface {
  name = 'CreateOutreach1764000006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cases
        ADD COLUMN handed_over_to text CHECK (handed_over_to ${MUNICIPALITY_CHECK}),
        ADD COLUMN handed_over_from_case bigint,
        ADD COLUMN handed_over_from text CHECK (handed_over_from ${MUNICIPALITY_CHECK}),
        ADD CHECK (handed_over_to IS NULL OR outcome = 'MOVED_AWAY');
      -- Claim-next and automatic assignment read the unassigned backlog in this order; only NEW rows are in it.
      CREATE INDEX cases_claim_order ON cases (municipality, priority, window_date, id) WHERE status = 'NEW';
      -- A worker's daily queue walks their held cases most urgent first and stops at the page's end.
      CREATE INDEX cases_held_order ON cases (assigned_to, priority, window_date, id) WHERE status IN ('ASSIGNED', 'IN_PROGRESS');

      CREATE TABLE outreach_service (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        municipality text NOT NULL CHECK (municipality ${MUNICIPALITY_CHECK}),
        kind text NOT NULL CHECK (kind IN ('PES', 'SOCIAL_SERVICES', 'EDUCATION', 'HOUSING', 'HEALTH', 'LEGAL_AID', 'NGO', 'OTHER')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text CHECK (length(description) <= 2000),
        -- The organisation's own public contact (a desk, a switchboard), never a client's.
        contact text CHECK (length(contact) <= 500),
        active boolean NOT NULL DEFAULT true,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE UNIQUE INDEX outreach_service_name ON outreach_service (municipality, lower(name));

      CREATE TABLE case_attempt (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        municipality text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('PHONE', 'SMS', 'EMAIL', 'LETTER', 'HOME_VISIT', 'IN_PERSON', 'VIA_PARTNER')),
        result text NOT NULL CHECK (result IN ('REACHED', 'NO_ANSWER', 'WRONG_CONTACT', 'MESSAGE_LEFT')),
        attempted_at timestamptz NOT NULL,
        note text CHECK (length(note) <= 500),
        next_attempt_on date,
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        -- Set on attempts copied with a hand-over: they happened in that municipality, under that case.
        carried_from_case bigint,
        carried_from text
      );
      CREATE INDEX case_attempt_case ON case_attempt (case_id, attempted_at);

      CREATE TABLE referral (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        municipality text NOT NULL,
        service_id bigint NOT NULL REFERENCES outreach_service (id),
        status text NOT NULL DEFAULT 'SENT' CHECK (status IN ('SENT', 'ACCEPTED', 'STARTED', 'COMPLETED', 'REJECTED')),
        note text CHECK (length(note) <= 500),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      );
      CREATE INDEX referral_case ON referral (case_id);
      CREATE INDEX referral_service ON referral (service_id);

      CREATE TABLE case_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        municipality text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        kind text NOT NULL,
        -- Ids, codes and dates only: no contact details and no free text about the person.
        details jsonb NOT NULL DEFAULT '{}',
        carried_from_case bigint
      );
      CREATE INDEX case_event_case ON case_event (case_id, id);

      CREATE TABLE contact_reveal (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        municipality text NOT NULL,
        revealed_by text NOT NULL,
        purpose text NOT NULL CHECK (length(purpose) BETWEEN 3 AND 300),
        found boolean NOT NULL,
        revealed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX contact_reveal_by ON contact_reveal (revealed_by, revealed_at);
      CREATE INDEX contact_reveal_when ON contact_reveal (municipality, revealed_at);

      SELECT tiltas_enable_municipality_scope('outreach_service');
      SELECT tiltas_enable_municipality_scope('case_attempt');
      SELECT tiltas_enable_municipality_scope('referral');
      SELECT tiltas_enable_municipality_scope('case_event');
      SELECT tiltas_enable_municipality_scope('contact_reveal');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'outreach_service');
      SELECT tiltas_grant_app('SELECT, INSERT', 'case_attempt');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'referral');
      SELECT tiltas_grant_app('SELECT, INSERT', 'case_event');
      SELECT tiltas_grant_app('SELECT, INSERT', 'contact_reveal');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE contact_reveal;
      DROP TABLE case_event;
      DROP TABLE referral;
      DROP TABLE case_attempt;
      DROP TABLE outreach_service;
      DROP INDEX cases_held_order;
      DROP INDEX cases_claim_order;
      ALTER TABLE cases DROP COLUMN handed_over_from, DROP COLUMN handed_over_from_case, DROP COLUMN handed_over_to;
    `);
  }
}
