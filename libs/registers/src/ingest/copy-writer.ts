import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Writable } from 'node:stream';

/**
 * How much may wait in this process for the server to read. Small batches (see CSV_BATCH_INPUT) with
 * the stream's default 16 KiB made every batch wait until the socket had drained before the next one
 * was parsed, so the parser and the server took turns instead of working side by side; a few MiB lets
 * the parser run ahead while the memory stays bounded.
 */
const IN_FLIGHT_BYTES = 4 * 1024 * 1024;

/**
 * A `COPY … FROM STDIN` in progress, written to with backpressure: `write` resolves once the stream can
 * take more, so the reader upstream waits for PostgreSQL instead of piling text up in memory.
 */
export class CopyWriter {
  private readonly stream: Writable;
  private failure: Error | null = null;
  private readonly finished: Promise<void>;

  constructor(client: PoolClient, sql: string) {
    this.stream = client.query(copyFrom(sql, { highWaterMark: IN_FLIGHT_BYTES }));
    this.finished = new Promise<void>((resolve, reject) => {
      this.stream.on('finish', resolve);
      this.stream.on('error', (err: Error) => {
        this.failure = err;
        reject(err);
      });
    });
    // Errors surface through `write` and `end`; this keeps an early one from being unhandled.
    this.finished.catch(() => undefined);
  }

  /** Text (COPY text format) or bytes (binary format, or text already encoded). */
  async write(data: string | Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (data.length === 0) return;
    if (!this.stream.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          this.stream.off('error', onError);
          resolve();
        };
        const onError = (err: Error): void => {
          this.stream.off('drain', onDrain);
          reject(err);
        };
        this.stream.once('drain', onDrain);
        this.stream.once('error', onError);
      });
    }
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    this.stream.end();
    await this.finished;
  }

  /** Abandons the COPY (the server rolls it back); the connection should be discarded afterwards. */
  abort(reason: Error): void {
    if (!this.stream.destroyed) this.stream.destroy(reason);
  }
}
