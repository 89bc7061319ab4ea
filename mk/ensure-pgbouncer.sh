#!/usr/bin/env bash
# Prints the path of a pgbouncer binary, installing Debian's package first when there is none
# (as root, with apt-get; the tests that need it start their own process). Exits non-zero when it
# cannot be had: the PgBouncer tests must fail, not pass unseen.
set -euo pipefail
find_it() { command -v pgbouncer 2>/dev/null || { [ -x /usr/sbin/pgbouncer ] && echo /usr/sbin/pgbouncer; }; }
if ! find_it >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-pgbouncer: pgbouncer is not installed and this is not root: apt-get install pgbouncer" >&2
    exit 1
  fi
  # One installer at a time when several test processes ask together.
  exec 9>/tmp/ensure-pgbouncer.lock
  flock 9
  if ! find_it >/dev/null; then
    (apt-get install -y -qq pgbouncer || { apt-get update -qq && apt-get install -y -qq pgbouncer; }) >&2
    # The package starts a system service on port 6432; the tests start their own.
    (systemctl stop pgbouncer || service pgbouncer stop) >/dev/null 2>&1 || true
  fi
fi
find_it
