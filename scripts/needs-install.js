#!/usr/bin/env node
// Whether `npm ci` is needed: exits 0 (and says why) when node_modules is missing or was installed from a
// different package-lock.json than the one in the tree, 1 when it is current. `--record` writes the lock's
// hash into node_modules after an install, so the next run can skip it. Used by scripts/demo.sh.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const lock = join(root, 'package-lock.json');
const modules = join(root, 'node_modules');
const stamp = join(modules, '.tiltas-lock-sha256');

function lockHash() {
  return createHash('sha256').update(readFileSync(lock)).digest('hex');
}

function reason() {
  if (!existsSync(modules)) return 'node_modules is missing';
  if (!existsSync(stamp)) {
    // Installed by hand: npm's own copy of the lock says what is there.
    const installed = join(modules, '.package-lock.json');
    if (!existsSync(installed)) return 'node_modules was not installed from package-lock.json';
    const want = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {};
    const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
    for (const [path, entry] of Object.entries(want)) {
      if (path === '' || entry.version === undefined) continue;
      // Optional packages for other platforms (darwin, win32 bindings) are never installed here.
      if (!have[path] && entry.optional) continue;
      if (!have[path] || have[path].version !== entry.version) return `${path.replace(/^node_modules\//, '')} is not the locked version`;
    }
    return null;
  }
  return readFileSync(stamp, 'utf8').trim() === lockHash() ? null : 'package-lock.json changed since the last install';
}

if (process.argv.includes('--record')) {
  writeFileSync(stamp, `${lockHash()}\n`);
  process.exit(0);
}
const why = reason();
if (why) {
  console.log(why);
  process.exit(0);
}
process.exit(1);
