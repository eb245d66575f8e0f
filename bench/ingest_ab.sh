#!/usr/bin/env bash
# Ingest CPU time, side by side: an older tree against this one, interleaved, one core each run.
#   git worktree add --detach /tmp/base <commit>
#   bench/ingest_ab.sh /tmp/base [ROUNDS]
# Generates the ingest bench's 20,000 items once, then per round runs bench/ingest_bench.py's one_run in
# each tree and prints wall time and the process's CPU time. CPU time is the figure to compare on a
# busy machine (wall time then measures the other work too). Not a test.
set -euo pipefail
base=$(cd "$1" && pwd); rounds=${2:-3}; here=$(cd "$(dirname "$0")/.." && pwd)
py="$here/.venv/bin/python"; feeds=$(mktemp -d)
"$py" -c "import sys; sys.path.insert(0, '$here/bench'); import ingest_bench as b; from pathlib import Path; b.make_feeds(Path('$feeds'), 20000)"
for _ in $(seq 1 "$rounds"); do
  for tree in "$base" "$here"; do
    (cd "$tree" && PYTHONPATH="$tree" taskset -c 0 "$py" -c "
import sys, time; sys.path.insert(0, '$tree/bench'); import ingest_bench as b; from pathlib import Path
t = time.process_time(); r = b.one_run(Path('$feeds'))
print(f\"$tree: {r['seconds']:.2f} s wall, {time.process_time() - t:.2f} CPU-s, {r['items_per_s']:.0f} items/s\")")
  done
done
rm -rf "$feeds"
