#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: Chromium for the browser
# tests (Playwright's own browser download does not work on these machines), fonts so screenshots
# show emoji, graphviz's `dot` so tests can check that every DOT diagram the app builds parses, and the
# PostgreSQL server, which the store tests start in a fresh cluster of their own (tests/conftest.py), and npm
# for axe-core, the accessibility checker that tests/test_browser_a11y.py injects into every page (a pinned npm
# package in tests/.axe/, gitignored; the app itself never loads it), and nginx, which tests/test_deploy_nginx.py puts
# in front of two app processes as deploy/cluster.py does; gcc and binutils (objdump) build and disassemble a small
# kernel-like C file for the binary-translation reader's tests.
set -euo pipefail
AXE_VERSION=4.14.1
AXE_DIR="$(cd "$(dirname "$0")" && pwd)/.axe"
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v gcc >/dev/null 2>&1 || need+=(gcc)  # tests/test_x86_reader.py builds a kernel-like listing
command -v objdump >/dev/null 2>&1 || need+=(binutils)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ -x /usr/sbin/nginx ] || need+=(nginx)
for pkg in fonts-noto-color-emoji fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! grep -qs "\"version\": \"$AXE_VERSION\"" "$AXE_DIR/node_modules/axe-core/package.json"; then
  echo "Installing axe-core $AXE_VERSION from the npm registry into $AXE_DIR"
  npm install --prefix "$AXE_DIR" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION"
fi
/usr/bin/chromium --version 2>/dev/null
dot -V
ls -d /usr/lib/postgresql/*/bin/initdb
/usr/sbin/nginx -v
