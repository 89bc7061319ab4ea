#!/usr/bin/env bash
# Unpacks the Prometheus server and promtool from Debian's `prometheus` package into DEST
# (default .tools/prometheus) without installing anything system-wide: `apt-get download` fetches
# the .deb, `dpkg -x` writes only into a temp folder, and the two binaries are copied to
# DEST/usr/bin. The package's other dependencies (libjs-*, fonts) serve only the web UI, which the
# tests never open, so they are not fetched.
#
# Idempotent and fast once done: when both binaries are there it prints their paths and exits.
# Runs `apt-get update` once when the package is not found and we are root. Unlike
# mk/fetch-promtool.sh (whose caller may skip), it exits non-zero when the package cannot be had:
# the tests that need a real Prometheus must fail, not pass unseen.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-.tools/prometheus}
bin="$dest/usr/bin"

ready() { [ -x "$bin/prometheus" ] && [ -x "$bin/promtool" ]; }

mkdir -p "$dest"
# Two test processes (or make -j) may ask at once: one downloads, the other waits for it.
exec 9>"$dest/.lock"
flock 9

if ! ready; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # apt-get download drops privileges to _apt, which must be able to write here.
  chmod 0777 "$tmp"
  download() { (cd "$tmp" && apt-get download prometheus) >"$tmp/apt.log" 2>&1; }
  if ! download; then
    if [ "$(id -u)" = 0 ] && apt-get update -qq >>"$tmp/apt.log" 2>&1 && download; then
      :
    else
      {
        echo "fetch-prometheus: could not download Debian's prometheus package with apt-get."
        [ "$(id -u)" = 0 ] || echo "fetch-prometheus: not root, so 'apt-get update' was not tried; run it and retry."
        tail -n 20 "$tmp/apt.log"
      } >&2
      exit 1
    fi
  fi
  dpkg -x "$tmp"/prometheus_*.deb "$tmp/x"
  mkdir -p "$bin"
  for tool in prometheus promtool; do
    # Copy, then rename: a reader never sees a half-written binary.
    cp "$tmp/x/usr/bin/$tool" "$bin/.$tool.new"
    mv -f "$bin/.$tool.new" "$bin/$tool"
  done
fi

"$bin/prometheus" --version 2>&1 | head -n 1
echo "prometheus: $bin/prometheus"
echo "promtool: $bin/promtool"
