#!/usr/bin/env bash
# `make demo`: creates the demo district under ./var/demo (embedded SQLite) once, prints the
# demo accounts, and serves both zones. Override the addresses with EXTERNAL= / INTERNAL=.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-./var/demo}
EXTERNAL=${EXTERNAL:-127.0.0.1:8080}
INTERNAL=${INTERNAL:-127.0.0.1:8081}
BIN=${BIN:-./build/yiwang}
# The demo's sealed documents carry the portal's address in their QR codes: the one served below.
YIWANG_PUBLIC_URL="http://$EXTERNAL" "$BIN" demo --data "$DATA" --cases
echo
echo "外网门户：  http://$EXTERNAL/      （群众、企业：注册、登录）"
echo "内网工作台：http://$INTERNAL/      （工作人员：上面的内网账户）"
echo "按 Ctrl+C 停止。"
exec "$BIN" serve --data "$DATA" --external "$EXTERNAL" --internal "$INTERNAL"
