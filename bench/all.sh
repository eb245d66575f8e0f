#!/usr/bin/env bash
# Reruns every figure of docs/benchmarks.md, in its order, each with the command that section names,
# and writes one log per benchmark under ${OUT:-var/bench/<date>}. Run it on an idle machine: the
# figures are medians on a shared 2-core machine only when nothing else runs.
#   bash bench/all.sh            # about 35 minutes, the whole-day run about half of it
#   ONLY="ingest match" bash bench/all.sh
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${OUT:-var/bench/$(date +%F)}
mkdir -p "$OUT"
declare -A CMD=(
  [ingest]="taskset -c 0 $PY bench/ingest_bench.py --runs 3"
  [floor]="$PY bench/ingest_bench.py --floor --runs 3"
  [match]="$PY bench/match_bench.py"
  [encode]="$PY bench/encode_bench.py"
  [tokens]="$PY bench/token_bench.py"
  [render]="taskset -c 1 $PY bench/send_bench.py render --emails 100000"
  [send]="$PY bench/send_bench.py send --emails 10000 --rate 200"
  [web]="$PY bench/web_bench.py --workers 2"
  [edition]="$PY bench/edition_bench.py --papers 7500"
  [day]="$PY bench/day_bench.py --papers 6000 --subscribers 100000 --llm-latency 0.8 --llm-concurrency 64 --batch 2000 --dask 2"
  [hostile]="taskset -c 0 $PY bench/hostile_feed_bench.py --runs 5"
  [hostlib]="$PY bench/hostile_library_bench.py --runs 3"
  [relevance]="$PY bench/relevance_eval.py"
  [cli]="$PY bench/cli_bench.py --runs 7"
  [themes]="$PY bench/theme_coherence.py"
  [learning]="$PY bench/learning_curve.py"
  [onboard]="$PY bench/onboard_bench.py --repeat 3"
  [libsync]="$PY bench/library_sync_bench.py"
  [library]="$PY bench/library_bench.py"
)
ORDER="ingest floor match encode tokens render send web edition day hostile hostlib relevance cli themes learning onboard libsync library"
status=0
for name in ${ONLY:-$ORDER}; do
  echo "== $name: ${CMD[$name]}" | tee "$OUT/$name.log"
  start=$(date +%s)
  PYTHONPATH=. bash -c "${CMD[$name]}" >>"$OUT/$name.log" 2>&1 || { echo "   FAILED (see $OUT/$name.log)"; status=1; }
  echo "   $(( $(date +%s) - start )) s; $(tail -n 1 "$OUT/$name.log")"
done
exit $status
