import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service accounts: users that no person signs in as, whose API tokens machine clients hold.
 *
 * Before this, an administrator could mint a token for any user and act as that worker, revealing
 * contacts under their name. Now a person's token is created by that person alone, and machine tokens
 * belong to a `SERVICE` user, which the database keeps from ever acting for a person:
 * - no password and no OpenID Connect identity, so nobody signs in as it;
 * - only the AUDITOR or ADMIN role, so it can neither hold cases nor reveal contacts (both need a
 *   WORKER or COORDINATOR), whatever a later code path forgets;
 * - no caseload.
 * Tokens a person did not create themselves stop working at once (ApiTokensService.authenticate); they
 * stay on record for the audit log.
 */
export class AddServiceAccounts1764000012000 implements MigrationInterface {
  name = 'AddServiceAccounts1764000012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'PERSON' CONSTRAINT users_kind CHECK (kind IN ('PERSON', 'SERVICE'));
      ALTER TABLE users ADD CONSTRAINT users_service_account CHECK (
        kind = 'PERSON'
        OR (role IN ('AUDITOR', 'ADMIN') AND password_hash IS NULL AND oidc_subject IS NULL AND caseload_limit IS NULL)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    // Service accounts cannot be told from people once the column is gone: disable them, so their
    // tokens stop working rather than acting as ordinary users.
    await q.query(`
      UPDATE users SET disabled_at = coalesce(disabled_at, now()) WHERE kind = 'SERVICE';
      ALTER TABLE users DROP CONSTRAINT users_service_account;
      ALTER TABLE users DROP COLUMN kind;
    `);
  }
}
