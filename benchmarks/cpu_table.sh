#!/usr/bin/env bash
# Every CPU row of RESULTS.md's table in one go, each script timing this library and torch side by side
# (alternating, medians): the op chain, the 0-d scalar MLP (with micrograd), the MLP epochs at 1 and 2
# threads, the CNN epochs (under the malloc thresholds a training script sets, and under glibc's own) and peak
# memory. JSON and logs go under $OUT (default ./cpu-out).
#   usage: AUTOGRAD_DATA_DIR=... OUT=/path bash benchmarks/cpu_table.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-cpu-out}"
mkdir -p "$OUT"
{ date -u; grep -m1 'model name' /proc/cpuinfo; nproc; uptime; git log -1 --oneline; } | tee "$OUT/machine.txt"
run() {   # run NAME SCRIPT ARGS...
    local name=$1; shift
    echo "== $name: $*"
    python "$@" --json "$OUT/$name.json" 2>&1 | tee "$OUT/$name.log" | tail -n 6
    uptime | tee -a "$OUT/machine.txt"
}
run op_overhead benchmarks/op_overhead.py --repeats 9
run scalar benchmarks/scalar.py --repeats 5
run mlp_epoch benchmarks/mlp_epoch.py --repeats 5
run mlp_epoch_2threads benchmarks/mlp_epoch.py --repeats 5 --threads 2 --batch-sizes 64
run cnn_epoch benchmarks/cnn_epoch.py --repeats 3
run cnn_epoch_default_malloc benchmarks/cnn_epoch.py --repeats 3 --malloc default
run memory benchmarks/memory.py --repeats 3
