import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The lawful-basis registry. An entry is the administrator's file (the register extract contract (spec/extracts.md), "Lawful-basis
 * entry file") and is never edited once added: manifests, criteria and log entries cite it by id, so
 * what they cite must not change under them. A new version is a new entry; the old one is retired by
 * giving it an end date (`retired_valid_to`), which may only shorten its validity.
 *
 * The application role may read, add and retire; the trigger refuses any change to what an entry says,
 * and deleting one, whoever asks.
 */
export class CreateLawfulBases1764000001000 implements MigrationInterface {
  name = 'CreateLawfulBases1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lawful_basis (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
        title text NOT NULL CHECK (btrim(title) <> ''),
        legal_reference text NOT NULL CHECK (btrim(legal_reference) <> ''),
        gdpr_article6 text NOT NULL CHECK (gdpr_article6 IN ('a', 'b', 'c', 'd', 'e', 'f')),
        purposes text[] NOT NULL CHECK (cardinality(purposes) > 0),
        registers text[] NOT NULL CHECK (cardinality(registers) > 0),
        valid_from date NOT NULL,
        valid_to date,
        article9_condition text,
        article10_authorisation text,
        -- RFC 8785 canonical JSON of the entry as its file states it: "is this file identical?" compares it.
        canonical text NOT NULL,
        added_by text NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        retired_valid_to date,
        retired_by text,
        retired_at timestamptz,
        CHECK (valid_to IS NULL OR valid_to >= valid_from),
        CHECK (NOT ('disability' = ANY (registers)) OR btrim(coalesce(article9_condition, '')) <> ''),
        CHECK (NOT ('prison' = ANY (registers)) OR btrim(coalesce(article10_authorisation, '')) <> ''),
        CHECK ((retired_valid_to IS NULL) = (retired_by IS NULL) AND (retired_by IS NULL) = (retired_at IS NULL))
      );

      CREATE FUNCTION lawful_basis_refuse_edit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'lawful_basis entries are never deleted (entry %)', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.id, NEW.title, NEW.legal_reference, NEW.gdpr_article6, NEW.purposes, NEW.registers, NEW.valid_from,
            NEW.valid_to, NEW.article9_condition, NEW.article10_authorisation, NEW.canonical, NEW.added_by, NEW.added_at)
           IS DISTINCT FROM
           (OLD.id, OLD.title, OLD.legal_reference, OLD.gdpr_article6, OLD.purposes, OLD.registers, OLD.valid_from,
            OLD.valid_to, OLD.article9_condition, OLD.article10_authorisation, OLD.canonical, OLD.added_by, OLD.added_at) THEN
          RAISE EXCEPTION 'lawful_basis entry % is never edited: add a new version and retire this one', OLD.id
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.retired_valid_to IS NOT NULL AND (NEW.retired_valid_to IS NULL OR NEW.retired_valid_to > OLD.retired_valid_to) THEN
          RAISE EXCEPTION 'retiring lawful_basis entry % may only shorten its validity', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$;

      CREATE TRIGGER lawful_basis_immutable BEFORE UPDATE OR DELETE ON lawful_basis
        FOR EACH ROW EXECUTE FUNCTION lawful_basis_refuse_edit();

      SELECT tiltas_grant_app('SELECT, INSERT', 'lawful_basis');
      SELECT tiltas_grant_app('UPDATE (retired_valid_to, retired_by, retired_at)', 'lawful_basis');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE lawful_basis;
      DROP FUNCTION lawful_basis_refuse_edit();
    `);
  }
}
