import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A port nobody listens on now, for a process the test starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type AppName = 'api' | 'worker';

export function entryOf(app: AppName): string {
  return join(ROOT, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
}

function newestSource(dir: string, newest = 0): number {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) newest = newestSource(path, newest);
    else if (/\.(ts|hbs|json)$/.test(name) && !/\.(int-|e2e-)?spec\.ts$/.test(name)) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/**
 * The fault tests kill real processes, so they run the built app (CI builds before testing). Built here
 * when the build is missing or older than the sources, as scripts/cli.js does for the CLI, under a lock
 * directory so two test files never build at once.
 */
export function ensureBuilt(app: AppName): void {
  const entry = entryOf(app);
  const stale = () => !existsSync(entry) || [`apps/${app}`, 'libs', 'migrations'].some((d) => newestSource(join(ROOT, d)) > statSync(entry).mtimeMs);
  if (!stale()) return;
  const lock = join(ROOT, 'dist', `.building-${app}`);
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const until = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > until) throw new Error(`waited too long for another build of ${app} (${lock})`);
      execFileSync('sleep', ['0.5']);
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build', app], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmdirSync(lock);
  }
}

/** A built app started as its own process, its output kept for the test to read. */
export class AppProcess {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Runs on the system Node, as production does (Jest's Node may be another one). */
  static start(app: AppName, env: NodeJS.ProcessEnv): AppProcess {
    const child = spawn('node', [entryOf(app)], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new AppProcess(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get log(): string {
    return this.output;
  }

  /** Lines of output matching `pattern`. */
  lines(pattern: RegExp): string[] {
    return this.output.split('\n').filter((l) => pattern.test(l));
  }

  async waitFor(pattern: RegExp, ms = 30_000): Promise<void> {
    const until = Date.now() + ms;
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`process exited before ${pattern}:\n${this.output.slice(-3000)}`);
      if (Date.now() > until) throw new Error(`no ${pattern} within ${ms} ms:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ends it for good (test cleanup): SIGKILL unless it has exited already. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
