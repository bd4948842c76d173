/**
 * Jest's global setup runs outside Jest's module system, where moduleNameMapper does not apply: map the
 * `@tiltas/<lib>` aliases (tsconfig.json paths) onto the sources for node's own resolver.
 */
import Module from 'node:module';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const paths = (require(join(root, 'tsconfig.json')) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
type Resolve = (request: string, ...rest: unknown[]) => string;
const moduleWithResolver = Module as unknown as { _resolveFilename: Resolve };
const original = moduleWithResolver._resolveFilename;
moduleWithResolver._resolveFilename = function (request: string, ...rest: unknown[]): string {
  const target = paths[request]?.[0];
  return original.call(this, target ? join(root, target) : request, ...rest);
};
