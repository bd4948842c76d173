import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Takes the hash chain off the append path (docs/audit-log.md, "How the database keeps it").
 *
 * Before: every append locked the one `audit_head` row until the recording transaction committed, so
 * concurrent writers queued behind each other's commits. After:
 *
 * - An append is a plain INSERT into `audit_log`; its `seq` comes from `audit_next_seq()`, which takes a
 *   number from `audit_log_seq` and holds a transaction-level advisory lock on that number until the
 *   recording transaction ends. The lock is how the sealer tells a number still in flight (locked) from
 *   one that will never commit (unlocked and still not visible). Should the sealer have declared a number
 *   lost in the instant between nextval and the lock, the function sees the gap link and takes another.
 * - `audit_chain` holds the chain: one link per seq, `(seq, kind, prev_hash, hash)`, `kind` 'entry' or
 *   'gap' (a number whose transaction provably never committed). The sealer writes it in seq order, one
 *   sealer at a time; it is append-only like the log, and its insert trigger refuses a link that does not
 *   follow the link before it, so the chain cannot fork or skip.
 * - `audit_head` becomes the last sealed link: it may now move forward by many links at once, only ever
 *   to a link that is in `audit_chain`.
 * - `audit_log` loses `prev_hash` and `hash`: the chain lives in one place. Links already written move to
 *   `audit_chain` unchanged (the canonical form of an entry is the same).
 */
export class SealAuditChain1764000001200 implements MigrationInterface {
  name = 'SealAuditChain1764000001200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE SEQUENCE audit_log_seq AS bigint MINVALUE 1 CACHE 1 OWNED BY audit_log.seq;
      SELECT setval('audit_log_seq', greatest(h.seq, 1), h.seq > 0) FROM audit_head h;

      -- The advisory lock space of in-flight numbers: (class 1096107092 = 'AUDT', number mod 2^31).
      CREATE FUNCTION audit_seq_lock_key(seq bigint) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
        SELECT (seq % 2147483648)::integer
      $$;

      CREATE FUNCTION audit_next_seq() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        n bigint;
      BEGIN
        -- The gap check below must see links committed after this statement began.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
          RAISE EXCEPTION 'audit entries are recorded in READ COMMITTED transactions' USING ERRCODE = 'invalid_transaction_state';
        END IF;
        LOOP
          n := nextval('audit_log_seq');
          PERFORM pg_advisory_xact_lock_shared(1096107092, audit_seq_lock_key(n));
          -- The sealer may have found this number unlocked and sealed it as lost just before the lock.
          IF NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = n) THEN
            RETURN n;
          END IF;
        END LOOP;
      END $$;

      CREATE TABLE audit_chain (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        kind text NOT NULL CHECK (kind IN ('entry', 'gap')),
        prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        sealed_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO audit_chain (seq, kind, prev_hash, hash, sealed_at)
        SELECT seq, 'entry', prev_hash, hash, at FROM audit_log ORDER BY seq;

      ALTER TABLE audit_log DROP COLUMN prev_hash, DROP COLUMN hash;
      ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT audit_next_seq();

      CREATE FUNCTION audit_chain_follows() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF NEW.seq = 1 THEN
          IF NEW.prev_hash <> repeat('0', 64) THEN
            RAISE EXCEPTION 'audit_chain link 1 chains from the genesis' USING ERRCODE = 'integrity_constraint_violation';
          END IF;
        ELSIF NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = NEW.seq - 1 AND c.hash = NEW.prev_hash) THEN
          RAISE EXCEPTION 'audit_chain link % does not follow link %', NEW.seq, NEW.seq - 1 USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER audit_chain_follows BEFORE INSERT ON audit_chain
        FOR EACH ROW EXECUTE FUNCTION audit_chain_follows();
      CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
      CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

      CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' THEN
          RAISE EXCEPTION 'audit_head is never removed: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.seq < OLD.seq OR NEW.at < OLD.at
           OR (NEW.seq = OLD.seq AND (NEW.hash <> OLD.hash OR NEW.prev_hash IS DISTINCT FROM OLD.prev_hash))
           OR (NEW.seq > OLD.seq AND NOT EXISTS (
                 SELECT 1 FROM audit_chain c WHERE c.seq = NEW.seq AND c.hash = NEW.hash AND c.prev_hash = NEW.prev_hash)) THEN
          RAISE EXCEPTION 'audit_head moves forward only, to a sealed link' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;

      SELECT tiltas_grant_app('SELECT, INSERT', 'audit_chain');
      SELECT tiltas_grant_app('USAGE, SELECT', 'SEQUENCE audit_log_seq');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM audit_log l WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = l.seq)) THEN
          RAISE EXCEPTION 'seal the audit log before reverting: some entries have no link yet';
        END IF;
        IF EXISTS (SELECT 1 FROM audit_chain WHERE kind = 'gap') THEN
          RAISE EXCEPTION 'the audit chain records gaps, which the earlier schema cannot hold';
        END IF;
      END $$;

      ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT;
      ALTER TABLE audit_log ADD COLUMN prev_hash text, ADD COLUMN hash text;
      ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
      UPDATE audit_log l SET prev_hash = c.prev_hash, hash = c.hash FROM audit_chain c WHERE c.seq = l.seq;
      ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
      ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL,
        ADD CONSTRAINT audit_log_prev_hash_check CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        ADD CONSTRAINT audit_log_hash_check CHECK (hash ~ '^[0-9a-f]{64}$');

      CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'UPDATE' THEN
          RAISE EXCEPTION 'audit_head is never removed: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.seq <> OLD.seq + 1 OR NEW.prev_hash IS DISTINCT FROM OLD.hash OR NEW.at < OLD.at THEN
          RAISE EXCEPTION 'audit_head moves forward one entry at a time' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;

      DROP TABLE audit_chain;
      DROP FUNCTION audit_chain_follows();
      DROP FUNCTION audit_next_seq();
      DROP FUNCTION audit_seq_lock_key(bigint);
      DROP SEQUENCE audit_log_seq;
    `);
  }
}
