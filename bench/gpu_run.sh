#!/usr/bin/env bash
# The device-machine runs behind docs/performance.md's GPU figures (one NVIDIA H200; its own python3 with torch
# 2.11+cu130; the project is not installed there: PYTHONPATH=.). Usage, from the repository root on that machine:
#   OUT=/some/dir bash bench/gpu_run.sh STAGE...     stages: env check train hybrid feed
# Each stage writes its raw JSON (and a log) under $OUT; docs/measurements/ holds the copies the docs cite.
set -u
export PYTHONPATH=. PYTHONUNBUFFERED=1
OUT=${OUT:-out/gpu}
mkdir -p "$OUT"
for stage in "$@"; do
  echo "=== $stage $(date +%T)"
  case $stage in
    env)
      nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.sm,clocks.max.sm --format=csv
      nproc; free -g | head -2
      python3 -c "import torch, numpy, yaml, pyarrow, xxhash; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name())"
      python3 -c "import host_runtime.cli, host_runtime.producer, host_runtime.training.hybrid, bench.train, bench.feed; print('imports ok')"
      ;;
    check)
      timeout 150 python3 -m pytest -q -p no:cacheprovider tests/runtime/test_train_cuda.py 2>&1 | tail -15
      ;;
    train)
      timeout "${TRAIN_TIMEOUT:-420}" python3 -m host_runtime.cli bench train --device cuda --json \
        --steps "${STEPS:-100}" --warmup "${WARMUP:-10}" ${TRAIN_ARGS:-} --out "$OUT/bench_train_h200.json" \
        > "$OUT/train_stdout.log" 2>&1; echo "rc=$?"; grep -v '^ ' "$OUT/train_stdout.log" | grep -v '^[{}]' | tail -25
      ;;
    hybrid)
      timeout "${HYBRID_TIMEOUT:-420}" python3 -m host_runtime.cli bench train --hybrid --device cuda --json \
        --batch-sizes "${HYBRID_BATCH:-32768}" --steps "${HSTEPS:-40}" --warmup "${HWARMUP:-5}" \
        --hot-capacity "${HOT_CAP:-4096}" ${HYBRID_ARGS:-} --out "$OUT/bench_hybrid_h200.json" \
        > "$OUT/hybrid_stdout.log" 2>&1; echo "rc=$?"; grep '^{"cap' "$OUT/hybrid_stdout.log"; tail -5 "$OUT/hybrid_stdout.log"
      ;;
    feed)
      timeout "${FEED_TIMEOUT:-300}" python3 -m host_runtime.cli bench feed --device cuda --json \
        --batch-sizes "${FEED_BATCH:-65536}" ${FEED_ARGS:-} --out "$OUT/bench_feed_h200.json" \
        > "$OUT/feed_stdout.log" 2>&1; echo "rc=$?"; grep '^{"feed' "$OUT/feed_stdout.log"; tail -5 "$OUT/feed_stdout.log"
      ;;
    *) echo "unknown stage $stage"; exit 2 ;;
  esac
done
