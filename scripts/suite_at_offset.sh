#!/usr/bin/env bash
# Run the test suite with the machine clock moved (default: a year and five years ahead), to prove
# that no test depends on today's date. Uses the libfaketime build vendored in PyPI's `libfaketime`
# package (Debian's 0.9.10 breaks time.sleep with FAKETIME_DONT_FAKE_MONOTONIC and hangs timed
# waits without it). The monotonic clock is left alone: only the wall clock moves.
#   bash scripts/suite_at_offset.sh [+400d +2000d ...] [-- pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
offsets=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do offsets+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#offsets[@]} -gt 0 ] || offsets=(+400d +2000d)
tools="${TMPDIR:-/tmp}/academichub-faketime"
[ -x "$tools/bin/python" ] || { python3.11 -m venv "$tools" && "$tools/bin/pip" install -q 'libfaketime>=3,<4'; }
so=$(find "$tools" -name 'libfaketime.so.1' | head -n 1)
for off in "${offsets[@]}"; do
  echo "== clock $off: $(LD_PRELOAD=$so FAKETIME=$off date -u)"
  LD_PRELOAD="$so" FAKETIME="$off" FAKETIME_DONT_FAKE_MONOTONIC=1 .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
done
