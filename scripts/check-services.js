#!/usr/bin/env node
// Says, before anything else runs, whether PostgreSQL and Redis answer, and if not which one, where it
// looked and how to start it. Exit 1 when either is missing.
'use strict';
const net = require('node:net');

const [pgUrl = 'postgres://postgres@127.0.0.1:5432/postgres', redisUrl = 'redis://127.0.0.1:6379'] = process.argv.slice(2);

function probe(url, defaultPort) {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || defaultPort);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok, why) => {
      socket.destroy();
      resolve({ ok, where: `${host}:${port}`, why });
    };
    socket.setTimeout(2000, () => done(false, 'no answer within 2 s'));
    socket.once('connect', () => done(true));
    socket.once('error', (e) => done(false, e.code || e.message));
  });
}

(async () => {
  const [pg, redis] = await Promise.all([probe(pgUrl, 5432), probe(redisUrl, 6379)]);
  const problems = [];
  if (!pg.ok) {
    problems.push(
      `PostgreSQL does not answer at ${pg.where} (${pg.why}).\n` +
        '  Start it with: docker compose up -d postgres\n' +
        '  or (Debian package postgresql): pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
        '  or set DATABASE_URL / TEST_DATABASE_URL to a running PostgreSQL 15+.',
    );
  }
  if (!redis.ok) {
    problems.push(
      `Redis does not answer at ${redis.where} (${redis.why}).\n` +
        '  Start it with: docker compose up -d redis\n' +
        '  or (Debian package redis-server): redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n' +
        '  or set REDIS_URL / TEST_REDIS_URL to a running Redis 7+.',
    );
  }
  if (problems.length) {
    process.stderr.write(`${problems.join('\n\n')}\n`);
    process.exit(1);
  }
})();
