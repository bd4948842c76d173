import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { join } from 'node:path';
import { AnchorDocument, anchorLine, appendAnchor } from './anchor-document';

/** The file in AUDIT_ANCHOR_DIR that every anchor is appended to. */
export const ANCHOR_FILE_NAME = 'tiltas-audit-anchors.jsonl';

const POST_TIMEOUT_MS = 10_000;

export interface AnchorExport {
  /** The file appended to, or null when AUDIT_ANCHOR_DIR is not set. */
  readonly file: string | null;
  /** False when the file's last line was this anchor already (a rerun of the same period). */
  readonly appended: boolean;
  /** The URL the anchor was POSTed to, or null when AUDIT_ANCHOR_URL is not set. */
  readonly postedTo: string | null;
}

/**
 * Keeps each anchor outside the database too (AUDIT_ANCHOR_DIR, AUDIT_ANCHOR_URL): whoever can rewrite the
 * database can rewrite audit_anchor with it, but not a file on another disk or a record at another party.
 * A failure throws, so the anchor job fails and BullMQ retries it; appending is idempotent (the last line is
 * checked first), and the receiver of the POST gets the same document again.
 */
@Injectable()
export class AnchorExporter {
  private readonly logger = new Logger('AuditAnchorExport');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get configured(): boolean {
    return this.config.auditAnchors.dir !== null || this.config.auditAnchors.url !== null;
  }

  async export(doc: AnchorDocument): Promise<AnchorExport> {
    const { dir, url } = this.config.auditAnchors;
    const file = dir === null ? null : join(dir, ANCHOR_FILE_NAME);
    const appended = file === null ? false : await appendAnchor(file, doc);
    if (url !== null) await this.post(url, doc);
    this.logger.log({ seq: doc.seq, file, appended, posted: url !== null }, 'audit anchor exported');
    return { file, appended, postedTo: url };
  }

  private async post(url: string, doc: AnchorDocument): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: anchorLine(doc),
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
    } catch (err) {
      // The URL may carry a token: name the host only.
      throw new Error(`the audit anchor could not be sent to ${new URL(url).host}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`the audit anchor was refused by ${new URL(url).host}: HTTP ${response.status}`);
  }
}
