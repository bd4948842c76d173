import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log: append-only and hash-chained (docs/audit-log.md is the exact description an auditor
 * verifies against).
 *
 * - `audit_log` holds the entries. The application role may INSERT and SELECT, nothing else, and the
 *   trigger refuses UPDATE, DELETE and TRUNCATE from anyone (an owner must first disable it on purpose,
 *   which is exactly the tampering the verifier is there to catch).
 * - `audit_head` is one row: the last entry's seq and hash. Every append locks it (UPDATE), so appends are
 *   serialised in commit order and the chain cannot fork; the lock is held until the recording
 *   transaction ends, and a rolled-back transaction leaves neither the entry nor the moved head behind.
 *   Its trigger lets the head move forward one entry at a time only.
 * - `audit_anchor` records the head on a schedule (and is append-only too): a tail rewritten after an
 *   anchor no longer matches it.
 */
export class CreateAuditLog1764000001100 implements MigrationInterface {
  name = 'CreateAuditLog1764000001100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        at timestamptz NOT NULL,
        actor text NOT NULL CHECK (actor <> ''),
        role text NOT NULL CHECK (role IN ('WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN', 'SYSTEM')),
        municipality text CHECK (municipality ~ '^LT-(0[1-9]|[1-5][0-9]|60)$'),
        action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$'),
        subject text CHECK (subject ~ '^[0-9a-f]{64}$'),
        object_type text,
        object_id text,
        purpose text,
        lawful_basis_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
        prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
      );
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_actor ON audit_log (actor, seq);
      CREATE INDEX audit_log_action ON audit_log (action, seq);
      CREATE INDEX audit_log_municipality ON audit_log (municipality, seq);
      CREATE INDEX audit_log_lawful_basis ON audit_log (lawful_basis_id, seq) WHERE lawful_basis_id IS NOT NULL;
      CREATE INDEX audit_log_subject ON audit_log (subject, seq) WHERE subject IS NOT NULL;
      CREATE INDEX audit_log_object ON audit_log (object_type, object_id, seq) WHERE object_id IS NOT NULL;

      CREATE TABLE audit_head (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        seq bigint NOT NULL,
        prev_hash text,
        hash text NOT NULL,
        at timestamptz NOT NULL
      );
      -- The genesis: no entry yet, and the hash the first entry chains from is 64 zeros.
      INSERT INTO audit_head (id, seq, prev_hash, hash, at) VALUES (true, 0, NULL, repeat('0', 64), '-infinity');

      CREATE TABLE audit_anchor (
        seq bigint PRIMARY KEY,
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        anchored_at timestamptz NOT NULL DEFAULT now(),
        anchored_by text NOT NULL
      );

      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;

      CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' THEN
          RAISE EXCEPTION 'audit_head is never removed: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.seq <> OLD.seq + 1 OR NEW.prev_hash IS DISTINCT FROM OLD.hash OR NEW.at < OLD.at THEN
          RAISE EXCEPTION 'audit_head moves forward one entry at a time' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;

      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE ON audit_anchor
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head
        FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
      CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

      SELECT tiltas_grant_app('SELECT, INSERT', 'audit_log');
      SELECT tiltas_grant_app('SELECT, INSERT', 'audit_anchor');
      SELECT tiltas_grant_app('SELECT', 'audit_head');
      SELECT tiltas_grant_app('UPDATE (seq, prev_hash, hash, at)', 'audit_head');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE audit_anchor;
      DROP TABLE audit_head;
      DROP TABLE audit_log;
      DROP FUNCTION audit_head_forward_only();
      DROP FUNCTION audit_refuse_change();
    `);
  }
}
