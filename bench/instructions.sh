#!/usr/bin/env bash
# Instructions per request under callgrind: repeatable whatever else the machine does,
# so small changes show even when wall-clock runs are noisy.
#
#   bench/instructions.sh                 # axum, galvani (prod defaults), galvani-bare
#   bench/instructions.sh galvani         # one peer
#   EXTRA="GALVANI_MIDDLEWARE__TIMEOUT=false" bench/instructions.sh galvani
#   URL_PATH=/db bench/instructions.sh sqlx-sqlite orm-sqlite   # the database tests
#                                    (after bench/run.py, or `galvani-bench prepare`)
#
# Each server runs under valgrind; after start-up the counters are zeroed, wrk sends
# /json for 8 s over 4 connections, and the total is divided by the requests served.
# Needs valgrind and wrk (apt-get install -y valgrind wrk) and release builds
# (cargo build --release -p galvani-bench -p axum-twin).
set -euo pipefail
cd "$(dirname "$0")/.."
release="${CARGO_TARGET_DIR:-target}/release"
peers=("${@:-axum galvani galvani-bare}")
port=18300
for peer in ${peers[@]}; do
  port=$((port + 1))
  case $peer in
    axum) cmd=("$release/axum-twin" "127.0.0.1:$port"); env_vars=() ;;
    galvani) cmd=("$release/galvani-bench" runserver "127.0.0.1:$port"); env_vars=(GALVANI_PROFILE=prod) ;;
    galvani-logall) cmd=("$release/galvani-bench" runserver "127.0.0.1:$port"); env_vars=(GALVANI_PROFILE=prod GALVANI_LOG__LEVEL=info) ;;
    galvani-bare) cmd=("$release/galvani-bench" runserver "127.0.0.1:$port"); env_vars=(GALVANI_PROFILE=prod GALVANI_MIDDLEWARE__DEFAULTS=false) ;;
    orm-sqlite) cmd=("$release/galvani-bench" runserver "127.0.0.1:$port"); env_vars=(GALVANI_PROFILE=prod "GALVANI_DATABASE__URL=sqlite://$PWD/bench/results/bench.sqlite3") ;;
    sqlx-sqlite) cmd=("$release/galvani-bench" runserver "127.0.0.1:$port"); env_vars=(GALVANI_PROFILE=prod BENCH_TWIN=sqlx "GALVANI_DATABASE__URL=sqlite://$PWD/bench/results/bench.sqlite3") ;;
    *) echo "unknown peer $peer" >&2; exit 2 ;;
  esac
  out=$(mktemp -d)
  env "${env_vars[@]}" ${EXTRA:-} valgrind --tool=callgrind --callgrind-out-file="$out/cg" "${cmd[@]}" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
  sleep 1
  callgrind_control --zero "$pid" >/dev/null
  requests=$(wrk -t1 -c4 -d8s "http://127.0.0.1:$port${URL_PATH:-/json}" | awk '/requests in/{print $1}')
  callgrind_control --dump "$pid" >/dev/null
  sleep 1
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  total=$(callgrind_annotate "$(ls -t "$out"/cg* | head -1)" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}')
  printf '%-15s %8d requests %14d instructions %7d per request\n' "$peer" "$requests" "$total" $((total / requests))
  rm -rf "$out"
done
