#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: Chromium for the browser
# tests (Playwright's own browser download does not work on these machines), fonts so screenshots
# show emoji, graphviz's `dot` so tests can check that every DOT diagram the app builds parses, and the
# PostgreSQL server, which the store tests start in a fresh cluster of their own (tests/conftest.py).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
for pkg in fonts-noto-color-emoji fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null
dot -V
ls -d /usr/lib/postgresql/*/bin/initdb
