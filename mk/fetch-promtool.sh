#!/usr/bin/env bash
# Unpacks promtool from Debian's (or Ubuntu's) prometheus package into $1 without installing it:
# apt-get download needs no root, dpkg -x writes only into the target folder.
# Prints a warning and exits 0 when the package cannot be had: chart-check then reports the
# PromQL checks as skipped instead of failing.
set -euo pipefail
dest=${1:?usage: fetch-promtool.sh DEST}
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1); then
  if [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 && (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1); then
    :
  else
    echo "warning: could not download Debian's prometheus package; PromQL checks will be skipped" >&2
    exit 0
  fi
fi
dpkg -x "$tmp"/prometheus_*.deb "$tmp/x"
mkdir -p "$dest/usr/bin"
cp "$tmp/x/usr/bin/promtool" "$dest/usr/bin/promtool"
"$dest/usr/bin/promtool" --version 2>&1 | head -1
