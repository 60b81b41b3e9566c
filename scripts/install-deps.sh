#!/usr/bin/env bash
# Installs everything yiwang needs to build, run its demo and run its tests on Debian 12.
# One script, used by `make demo`, `make test` and CI. Idempotent: skips what is present.
set -euo pipefail

PKGS=(
  build-essential cmake ccache pkg-config git
  librestinio-dev libboost-dev libboost-system-dev libhttp-parser-dev libfmt-dev
  libsoci-dev libsqlite3-dev sqlite3 libpq-dev postgresql
  libkainjow-mustache-dev nlohmann-json3-dev
  libssl-dev libsodium-dev libgoogle-perftools-dev
  libcli11-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcairo2-dev libpango1.0-dev libdeflate-dev zlib1g-dev fonts-noto-cjk fonts-arphic-uming fonts-wqy-microhei libqrencode-dev libxlsxwriter-dev libzip-dev libexpat1-dev
  chromium chromium-l10n
  wrk nginx-light curl procps openssl poppler-utils zbar-tools strace
)

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

# Node.js (for the browser tests): use the machine's own when present (it ships npm);
# otherwise Debian's nodejs + npm.
if ! command -v node >/dev/null 2>&1; then PKGS+=(nodejs npm); fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "[install-deps] installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "[install-deps] Debian packages present"
fi

# Browser-test driver: playwright-core from npm, driving Debian's chromium (never its own download).
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$here/tests/e2e/package.json" ] && [ ! -d "$here/tests/e2e/node_modules/playwright-core" ]; then
  echo "[install-deps] npm install (tests/e2e)"
  (cd "$here/tests/e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent)
fi
# Front-end libraries the server embeds at build time (ECharts for the supervision dashboard),
# from npm at the versions in web/package-lock.json; node_modules is never committed.
if [ ! -f "$here/web/node_modules/echarts/dist/echarts.min.js" ]; then
  echo "[install-deps] npm ci (web)"
  (cd "$here/web" && npm ci --no-audit --no-fund --silent)
fi
echo "[install-deps] done"
