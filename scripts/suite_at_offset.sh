#!/usr/bin/env bash
# Run the test suite with the machine clock moved (default: a year and five years ahead), to prove
# that no test depends on today's date. Uses the libfaketime build vendored in PyPI's `libfaketime`
# package (Debian's 0.9.10 breaks time.sleep with FAKETIME_DONT_FAKE_MONOTONIC and hangs timed
# waits without it). Only the wall clock moves; the monotonic clock is left alone.
#
# Prefect's own server does not answer its health check under libfaketime, so the flows run against
# one Prefect server started here on the real clock (ACADEMICHUB_TEST_PREFECT_API_URL); every
# AcademicHub process, the tests and their subprocesses run on the moved clock.
#   bash scripts/suite_at_offset.sh [+400d +2000d ...] [-- pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
offsets=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do offsets+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#offsets[@]} -gt 0 ] || offsets=(+400d +2000d)
tools="${TMPDIR:-/tmp}/academichub-faketime"
[ -x "$tools/bin/python" ] || { python3.11 -m venv "$tools" && "$tools/bin/pip" install -q 'libfaketime>=3,<4'; }
so=$(find "$tools" -name 'libfaketime.so.1' | head -n 1)

home=$(mktemp -d); port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PREFECT_HOME="$home" PREFECT_SERVER_ANALYTICS_ENABLED=false setsid .venv/bin/prefect server start --host 127.0.0.1 --port "$port" \
  >"$home/server.log" 2>&1 &
server=$!
trap 'kill -- -$server 2>/dev/null || true; rm -rf "$home"' EXIT
for _ in $(seq 180); do curl -sf "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 1; done
export ACADEMICHUB_TEST_PREFECT_API_URL="http://127.0.0.1:$port/api"

status=0
for off in "${offsets[@]}"; do
  echo "== clock $off: $(LD_PRELOAD=$so FAKETIME=$off date -u)"
  LD_PRELOAD="$so" FAKETIME="$off" FAKETIME_DONT_FAKE_MONOTONIC=1 .venv/bin/python -m pytest -q -p no:cacheprovider "$@" || status=1
done
exit $status
