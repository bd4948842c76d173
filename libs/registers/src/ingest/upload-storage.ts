import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, PreflightError } from '@tiltas/config';
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rmdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Folders and files of uploads are the service account's alone: extracts carry names, phones, addresses. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const INCOMING = 'incoming';
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What deleting one upload's files removed. */
export interface RemovedFiles {
  readonly files: number;
  readonly bytes: number;
}

/** Something on disk under STORAGE_DIR that no upload row accounts for, or whose upload never finished arriving. */
export interface StrayEntry {
  readonly path: string;
  /** `incoming/<name>` or `<upload id>`: what the audit entry names (random names, never personal data). */
  readonly name: string;
  readonly modifiedAt: Date;
}

/**
 * The layout of STORAGE_DIR and the only code that writes or deletes in it: `incoming/` holds parts while
 * they stream in, `<upload id>/` the stored pair until its ingest is final. Folders are 0700 and files
 * 0600 whatever the umask, and a folder open to group or others refuses the api and the worker at start:
 * a mode fixed at creation is no protection once someone has widened it.
 *
 * Deleting shreds: each file is cut to zero length (so its blocks are released under its own name before
 * it goes, and a process still holding it open reads nothing) and then unlinked.
 */
@Injectable()
export class UploadStorage {
  readonly root: string;
  readonly incoming: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.root = resolve(config.ingest.storageDir);
    this.incoming = join(this.root, INCOMING);
  }

  /**
   * Creates STORAGE_DIR and `incoming/` (0700) when missing; throws a PreflightError naming every folder
   * (STORAGE_DIR and the folders in it) that group or others can reach, with the fix.
   */
  prepare(): void {
    createPrivateDir(this.root);
    createPrivateDir(this.incoming);
    const open: string[] = [];
    const check = (path: string): void => {
      const mode = statSync(path).mode & 0o777;
      if ((mode & 0o077) !== 0) open.push(`${path} (mode ${mode.toString(8).padStart(4, '0')})`);
    };
    check(this.root);
    for (const entry of readdirSync(this.root, { withFileTypes: true })) if (entry.isDirectory()) check(join(this.root, entry.name));
    if (open.length > 0) {
      throw new PreflightError(
        [
          `The upload storage folder (STORAGE_DIR) is open to group or others: ${open.join(', ')}.`,
          'Uploaded extracts hold names, phones and addresses, so only the service account may read them. Fix with:',
          `  chmod 700 ${open.map((o) => o.replace(/ \(mode \d+\)$/, '')).join(' ')}`,
        ].join('\n'),
      );
    }
  }

  uploadDir(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new Error(`not an upload id: ${uploadId}`);
    return join(this.root, uploadId);
  }

  /** The folder an upload's pair is moved into, created 0700. */
  async createUploadDir(uploadId: string): Promise<string> {
    const dir = this.uploadDir(uploadId);
    await mkdir(dir, { mode: PRIVATE_DIR_MODE });
    return dir;
  }

  /** Shreds every file of an upload and removes its folder; nothing there (already removed) is no error. */
  async removeUpload(uploadId: string): Promise<RemovedFiles> {
    return this.removeTree(this.uploadDir(uploadId));
  }

  /** Shreds a file or a folder's files and removes the folder, for a stray found by `strays`. */
  async removeStray(stray: StrayEntry): Promise<RemovedFiles> {
    return this.removeTree(stray.path);
  }

  /**
   * Entries last modified before `before`: parts left in `incoming/` by an upload that never finished
   * arriving (a crash mid-request), and upload folders. The caller decides which folders no upload row
   * accounts for.
   */
  async strays(before: Date): Promise<StrayEntry[]> {
    const found: StrayEntry[] = [];
    const consider = async (path: string, name: string): Promise<void> => {
      const info = await lstat(path).catch(() => null);
      if (info && info.mtime < before) found.push({ path, name, modifiedAt: info.mtime });
    };
    for (const name of await readdir(this.incoming).catch(() => [] as string[])) await consider(join(this.incoming, name), `${INCOMING}/${name}`);
    for (const name of await readdir(this.root).catch(() => [] as string[])) if (UPLOAD_ID.test(name)) await consider(join(this.root, name), name);
    return found;
  }

  private async removeTree(path: string): Promise<RemovedFiles> {
    const info = await lstat(path).catch(() => null);
    if (!info) return { files: 0, bytes: 0 };
    if (!info.isDirectory()) {
      const bytes = await shred(path);
      return { files: bytes === null ? 0 : 1, bytes: bytes ?? 0 };
    }
    let files = 0;
    let bytes = 0;
    for (const name of await readdir(path)) {
      const removed = await this.removeTree(join(path, name));
      files += removed.files;
      bytes += removed.bytes;
    }
    await rmdir(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return { files, bytes };
  }
}

function createPrivateDir(path: string): void {
  try {
    mkdirSync(path, { mode: PRIVATE_DIR_MODE });
    // The umask may have taken bits away, never added them; set the mode exactly all the same.
    chmodSync(path, PRIVATE_DIR_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
      chmodSync(path, PRIVATE_DIR_MODE);
    } else if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw err;
    }
  }
  if (!statSync(path).isDirectory()) throw new PreflightError(`STORAGE_DIR: ${path} is not a folder`);
}

/** Cuts a file to zero length and unlinks it; its size before, or null when it was not there. */
export async function shred(path: string): Promise<number | null> {
  let size: number;
  try {
    const handle = await open(path, 'r+');
    try {
      size = (await handle.stat()).size;
      await handle.truncate(0);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return size;
}
