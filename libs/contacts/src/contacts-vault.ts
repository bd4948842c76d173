import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService } from '@tiltas/database';
import { EntityManager } from 'typeorm';
import { ContactRecord } from './contact-record';
import { ContactsCipher } from './contacts-cipher';

/** ContactsCipher.sealInto without the rest of the cipher: what a bulk loader is handed. */
export type BulkSealer = (pseudonym: string, plaintext: Uint8Array, nonce: Uint8Array, out: Buffer, offset: number) => number;

/**
 * The contacts vault: contact rows are sealed (AES-256-GCM, key from configuration) before they reach
 * the database and opened only here. Ingest seals; revealing for a case (with its scope check and audit
 * entry) is the outreach library's job, which calls `open` once it has decided the reveal is allowed.
 */
@Injectable()
export class ContactsVault {
  private readonly cipher: ContactsCipher;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: DatabaseService,
  ) {
    this.cipher = new ContactsCipher(config.secrets.contactsKey, config.secrets.contactsKeyId);
  }

  get keyId(): string {
    return this.cipher.keyId;
  }

  /** Seals one row's JSON for `pseudonym` (64 lowercase hex). */
  seal(pseudonym: string, record: ContactRecord): Buffer {
    return this.cipher.seal(pseudonym, JSON.stringify(record));
  }

  /**
   * Seals one contact detail the person gave Tiltas themselves (a phone number left on the response
   * page), bound to their pseudonym like every contacts row. Returns what to store beside it.
   */
  sealDetail(pseudonym: string, value: string): { sealed: Buffer; keyId: string } {
    return { sealed: this.cipher.seal(pseudonym, value), keyId: this.cipher.keyId };
  }

  /** Opens what sealDetail sealed. Does no access check and writes no log, like `open`. */
  openDetail(pseudonym: string, sealed: Buffer, keyId: string): string {
    return this.cipher.open(pseudonym, sealed, keyId);
  }

  /** Seals rows straight into a bulk-load buffer, with nonces the caller draws (see ContactsCipher.sealInto). */
  sealer(): BulkSealer {
    const cipher = this.cipher;
    return (pseudonym, plaintext, nonce, out, offset) => cipher.sealInto(pseudonym, plaintext, nonce, out, offset);
  }

  /**
   * The person's contact details from the ACTIVE contacts extract, or null when it holds none. Does no
   * access check and writes no log: callers decide and record the reveal in the same transaction.
   */
  async open(pseudonym: string, manager?: EntityManager): Promise<ContactRecord | null> {
    const runner = manager ?? this.db.dataSource.manager;
    const rows = (await runner.query(
      `SELECT c.key_id, c.sealed
         FROM reg_contacts c JOIN extract e ON e.id = c.extract_id AND e.status = 'ACTIVE' AND e.register = 'contacts'
        WHERE c.pseudonym = decode($1, 'hex')
        ORDER BY c.line LIMIT 1`,
      [pseudonym],
    )) as Array<{ key_id: string; sealed: Buffer }>;
    if (rows.length === 0) return null;
    return JSON.parse(this.cipher.open(pseudonym, rows[0].sealed, rows[0].key_id)) as ContactRecord;
  }
}
