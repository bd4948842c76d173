#!/usr/bin/env node
// `npm run cli -- <command>` and the `tiltas` bin: run the built CLI, building it first when the sources
// are newer than the build (so a fresh clone, or a pull, never runs stale code).
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'apps', 'cli', 'apps', 'cli', 'src', 'main.js');

function newestSource(dir, newest = 0) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) newest = newestSource(path, newest);
    else if (name.endsWith('.ts') && !/\.(int-|e2e-)?spec\.ts$/.test(name)) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

const stale = !existsSync(entry) || ['apps/cli', 'libs', 'migrations'].some((d) => newestSource(join(root, d)) > statSync(entry).mtimeMs);
if (stale) {
  process.stderr.write('building the CLI…\n');
  try {
    execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build', 'cli'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    process.stderr.write('the CLI does not build; fix the errors above (npm run typecheck)\n');
    process.exit(2);
  }
}
require(entry);
