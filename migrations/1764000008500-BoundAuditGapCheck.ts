import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Takes the gap lookup off almost every append (docs/audit-log.md, "How the database keeps it").
 *
 * `audit_next_seq()` looked up `audit_chain` after locking each number, in case the sealer had found the
 * number unlocked and missing in the instant between `nextval` and the lock, and sealed it as a gap. Only
 * a number at or below the highest gap ever sealed can be one, so:
 *
 * - `audit_gap_horizon` is a sequence holding that highest gap. The sealer raises it (`setval`, which is
 *   not transactional and so seen by every session at once) before it commits a pass that seals gaps.
 * - `audit_next_seq()` reads it after taking the number's lock. A gap sealed before that lock was held by
 *   the sealer until its commit, so the lock waited for the commit, and the horizon read after it covers
 *   the number: the function then looks the number up as before, and takes another if it is a gap. A
 *   number above the horizon returns at once. A pass that raised the horizon and then rolled back only
 *   makes the next few numbers take the lookup.
 */
export class BoundAuditGapCheck1764000008500 implements MigrationInterface {
  name = 'BoundAuditGapCheck1764000008500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE SEQUENCE audit_gap_horizon AS bigint MINVALUE 0 START 0 CACHE 1;
      SELECT setval('audit_gap_horizon', max(seq)) FROM audit_chain WHERE kind = 'gap' HAVING max(seq) IS NOT NULL;

      CREATE OR REPLACE FUNCTION audit_next_seq() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
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
          -- Above the highest gap ever sealed (read after the lock): the sealer cannot have taken it.
          IF n > coalesce(pg_sequence_last_value('audit_gap_horizon'), 0) THEN
            RETURN n;
          END IF;
          -- The sealer may have found this number unlocked and sealed it as lost just before the lock.
          IF NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.seq = n) THEN
            RETURN n;
          END IF;
        END LOOP;
      END $$;

      SELECT tiltas_grant_app('SELECT, UPDATE', 'SEQUENCE audit_gap_horizon');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_next_seq() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
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

      DROP SEQUENCE audit_gap_horizon;
    `);
  }
}
