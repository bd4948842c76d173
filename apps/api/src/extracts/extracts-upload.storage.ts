import { MulterModuleOptions } from '@nestjs/platform-express';
import { DomainError, ErrorCode } from '@tiltas/common';
import { AppConfig } from '@tiltas/config';
import { PRIVATE_FILE_MODE, UploadStorage } from '@tiltas/registers';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import { createWriteStream, WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A part of the upload as multer leaves it: already streamed to disk, never held in memory. */
export interface StoredPart {
  readonly fieldname: string;
  readonly path: string;
  readonly size: number;
}

export const MANIFEST_MAX_BYTES = 64 * 1024;

/** What multer hands a storage engine for one part (multer's own type is not installed). */
interface IncomingPart {
  fieldname: string;
  stream: Readable;
  path?: string;
}

type Done = (error: Error | null, info?: { path: string; size: number }) => void;

/**
 * Where each upload part streams to: STORAGE_DIR/incoming, under a random name (nothing a client sends
 * names a path), created 0600 and exclusively, so no other account can read a part at any moment. Each
 * part is counted as it arrives and refused (413) the moment it passes its limit, MAX_UPLOAD_BYTES for
 * the CSV and MANIFEST_MAX_BYTES for the manifest: the partial file is removed and nothing is stored.
 */
export class PrivateDiskStorage {
  /** Write streams still open, so a removal waits for the descriptor instead of racing its creation. */
  private readonly open = new WeakMap<IncomingPart, WriteStream>();

  constructor(
    private readonly dir: string,
    private readonly maxCsvBytes: number,
  ) {}

  _handleFile(_req: Request, part: IncomingPart, done: Done): void {
    const path = join(this.dir, randomBytes(16).toString('hex'));
    const limit = part.fieldname === 'manifest' ? MANIFEST_MAX_BYTES : this.maxCsvBytes;
    const out = createWriteStream(path, { flags: 'wx', mode: PRIVATE_FILE_MODE });
    part.path = path;
    this.open.set(part, out);
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, next: TransformCallback): void {
        size += chunk.length;
        if (size > limit) next(tooLarge(part.fieldname, limit));
        else next(null, chunk);
      },
    });
    pipeline(part.stream, counter, out).then(
      () => {
        this.open.delete(part);
        done(null, { path, size });
      },
      (err: Error) => {
        this.open.delete(part);
        rm(path, { force: true }).then(
          () => done(err),
          () => done(err),
        );
      },
    );
  }

  _removeFile(_req: Request, part: IncomingPart, done: (error: Error | null) => void): void {
    const path = part.path;
    const out = this.open.get(part);
    const remove = (): void => {
      if (!path) return done(null);
      rm(path, { force: true }).then(() => done(null), done);
    };
    if (!out || out.closed) return remove();
    out.once('close', remove);
    out.destroy();
  }
}

function tooLarge(field: string, limit: number): DomainError {
  return new DomainError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    field === 'manifest'
      ? `the manifest is larger than the ${limit} bytes allowed`
      : `the ${field} file is larger than the ${limit} bytes allowed (MAX_UPLOAD_BYTES): nothing was stored`,
    { field, limit },
  );
}

/**
 * Multer's options for the extract upload. Preparing the storage here makes the api refuse to start
 * when STORAGE_DIR (or a folder in it) is open to group or others.
 */
export function uploadStorageOptions(config: AppConfig): MulterModuleOptions {
  const storage = new UploadStorage(config);
  storage.prepare();
  return {
    storage: new PrivateDiskStorage(storage.incoming, config.ingest.maxUploadBytes),
    limits: { files: 2, fields: 4, parts: 6 },
  };
}
