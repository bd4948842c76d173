import { AppConfig } from '@tiltas/config';
import { MulterModuleOptions } from '@nestjs/platform-express';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A part of the upload as multer leaves it: already streamed to disk, never held in memory. */
export interface StoredPart {
  readonly fieldname: string;
  readonly path: string;
  readonly size: number;
}

export const MANIFEST_MAX_BYTES = 64 * 1024;

export function incomingDir(config: AppConfig): string {
  return resolve(config.ingest.storageDir, 'incoming');
}

/**
 * Uploads stream straight to STORAGE_DIR/incoming (multer's disk storage writes each part as it arrives),
 * under random names multer picks: nothing a client sends names a path.
 */
export function uploadStorageOptions(config: AppConfig): MulterModuleOptions {
  const dir = incomingDir(config);
  mkdirSync(dir, { recursive: true });
  return {
    dest: dir,
    limits: { files: 2, fields: 4, parts: 6 },
  };
}

export function uploadDir(config: AppConfig, uploadId: string): string {
  return join(resolve(config.ingest.storageDir), uploadId);
}
