#!/usr/bin/env bash
# Runs ON a lent accelerator (no Node.js, no node_modules, no network; Python 3 and
# bash are there), from the repository root of the copied working tree, with the kit
# from scripts/device/pack.sh carried as .device-kit (docs/devices.md):
#   0. unpacks the kit (node, bundles, Dawn's addon) outside the tree; records the
#      machine (GPU, driver, glibc, Vulkan loader and ICDs) in env.txt;
#   1. dlc devices --json                 → devices.json (adapter, limits, self-test)
#   2. dist/device-check.js               → check.log, check.json (every example and bench
#                                           model against the float64 reference, both kernel families)
#   3. dist/bench.js --json, one model at a time → bench-<model>.json
#   4. summary.md: pass/fail, stage times, the benchmark as the tables of docs/performance.md.
# Each stage has its own timeout; a failed adapter stops the run early. The run tool
# brings back at most 8 files from $OUT (default /tmp/dlc-device-out), so $OUT gets
# four: summary.md, results.json (every stage's JSON), logs.txt (every log and
# env.txt, one after another) and run.tar.gz (the run folder as it was).
# Exit status: 0 when every stage passed.
# DLC_DEVICE_BACKEND (default vulkan) picks Dawn's backend: opengles tests the kit on a
# machine without a GPU. DLC_DEVICE_KIT names the kit folder (default .device-kit).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
final="${OUT:-${TMPDIR:-/tmp}/dlc-device-out}"
mkdir -p "$final"
final="$(cd "$final" && pwd)"
# The stages write here; the end gathers it into $OUT.
out="${TMPDIR:-/tmp}/dlc-device-run"
rm -rf "$out" && mkdir -p "$out"
kit_dir="${DLC_DEVICE_KIT:-$root/.device-kit}"
backend="${DLC_DEVICE_BACKEND:-vulkan}"
models="${DLC_DEVICE_MODELS:-mlp rbm lenet}"
# Seconds per stage, and for the whole run (each stage gets at most what is left of
# it), so that the run ends within ~8 minutes even when a stage hangs.
t_devices="${DLC_DEVICE_T_DEVICES:-45}"
t_check="${DLC_DEVICE_T_CHECK:-120}"
t_bench="${DLC_DEVICE_T_BENCH:-90}"                # per model, except lenet:
t_bench_lenet="${DLC_DEVICE_T_BENCH_LENET:-180}"   # its TF.js CPU and jax-js Wasm columns take ~10 s a step
budget="${DLC_DEVICE_BUDGET:-470}"
unpacked="${TMPDIR:-/tmp}/dlc-device-kit"

run_start=$(date +%s)
status=0
: >"$out/stages.tsv"

note() { echo "[check $(($(date +%s) - run_start))s] $*"; }

# Writes $OUT's summary.md, results.json and logs.txt from what the run folder holds so
# far: after every stage, so that a run the tool kills still brings back the stages done.
gather() {
  python3 "$root/scripts/device/summarize.py" "$out" "$final/results.json" >"$out/summary.md" 2>"$out/summarize.log" || return 1
  cp "$out/summary.md" "$final/summary.md"
  local f
  for f in env.txt stages.tsv MANIFEST.txt "$out"/*.log "$out"/*.stderr; do
    f="$out/$(basename "$f")"
    [ -f "$f" ] && printf '\n===== %s =====\n' "$(basename "$f")" && cat "$f"
  done >"$final/logs.txt"
}

# stage NAME TIMEOUT STDOUT STDERR CMD...: runs CMD with a timeout, records rc and seconds.
stage() {
  local name="$1" limit="$2" stdout="$3" stderr="$4"
  shift 4
  local t0 rc left=$((budget - ($(date +%s) - run_start)))
  if [ "$left" -lt 15 ]; then
    printf '%s\t%s\t%s\n' "$name" skipped 0 >>"$out/stages.tsv"
    note "$name: skipped, ${left}s left of the ${budget}s budget"
    status=1
    return 125
  fi
  [ "$limit" -le "$left" ] || limit="$left"
  t0=$(date +%s.%N)
  if command -v timeout >/dev/null; then
    timeout -k 10 "$limit" "$@" >"$stdout" 2>"$stderr"
  else
    "$@" >"$stdout" 2>"$stderr"
  fi
  rc=$?
  local secs
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  printf '%s\t%s\t%s\n' "$name" "$rc" "$secs" >>"$out/stages.tsv"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then note "$name: TIMED OUT after ${limit}s"; else note "$name: rc $rc in ${secs}s"; fi
  [ "$rc" -eq 0 ] || status=1
  gather
  return "$rc"
}

# 0. Unpack: xz if the machine has it (threaded), else Python's lzma (always there).
[ -f "$kit_dir/kit.tar.xz" ] || { echo "check.sh: no $kit_dir/kit.tar.xz; run scripts/device/pack.sh and carry .device-kit" >&2; exit 2; }
rm -rf "$unpacked" && mkdir -p "$unpacked"
t0=$(date +%s.%N)
if command -v xz >/dev/null && tar --version >/dev/null 2>&1; then
  xz -dc -T0 "$kit_dir/kit.tar.xz" | tar -C "$unpacked" -xf - || exit 2
else
  python3 - "$kit_dir/kit.tar.xz" "$unpacked" <<'PY' || exit 2
import sys, tarfile
with tarfile.open(sys.argv[1], 'r:xz') as t:
    t.extractall(sys.argv[2], **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))
PY
fi
printf 'unpack\t0\t%s\n' "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" >>"$out/stages.tsv"
cp "$kit_dir/MANIFEST.txt" "$out/" 2>/dev/null
node="$unpacked/node"
chmod +x "$node"
export PATH="$unpacked:$PATH"
note "kit unpacked: $("$node" --version) at $node"

# The machine, for the record and for diagnosing a missing adapter.
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "uname: $(uname -a)"
  echo "glibc: $(ldd --version 2>&1 | head -1) (dawn.node needs 2.34+)"
  echo "cpus: $(nproc)"
  echo "backend: $backend"
  echo "--- nvidia-smi"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | head -5
  echo "--- shared libraries (vulkan, nvidia, EGL)"
  (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) | grep -Ei 'vulkan|nvidia|libEGL|libGLX' | head -40
  echo "--- Vulkan ICD and layer files"
  ls -l /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/share/vulkan/implicit_layer.d /etc/vulkan/implicit_layer.d 2>&1
  for f in /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; do [ -f "$f" ] && { echo "$f:"; cat "$f"; }; done
  echo "--- environment"
  env | grep -E '^(NVIDIA|CUDA|VK_|LD_LIBRARY_PATH|DLC_)' | sort
} >"$out/env.txt" 2>&1

# Vulkan: Dawn loads libvulkan.so.1, which finds the NVIDIA driver through an ICD file.
# Where the container lacks either, use the kit's loader and point an ICD file at the
# driver's Vulkan library (libGLX_nvidia.so.0 implements it).
if [ "$backend" = vulkan ]; then
  listing="$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) )"
  if ! grep -q 'libvulkan.so.1 ' <<<"$listing" && [ -f "$unpacked/lib/libvulkan.so.1" ]; then
    export LD_LIBRARY_PATH="$unpacked/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    note "no system libvulkan.so.1: using the kit's loader"
  fi
  mounted=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json # where NVIDIA's container runtime may leave it
  if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia*.json /etc/vulkan/icd.d/nvidia*.json >/dev/null 2>&1; then
    glx="$(grep -o '/[^ ]*libGLX_nvidia.so.0$' <<<"$listing" | head -1)"
    if [ -f "$mounted" ]; then
      export VK_ICD_FILENAMES="$mounted" VK_DRIVER_FILES="$mounted"
      note "NVIDIA ICD file at $mounted"
    elif [ -n "$glx" ]; then
      printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$glx" >"$unpacked/nvidia_icd.json"
      export VK_ICD_FILENAMES="$unpacked/nvidia_icd.json" VK_DRIVER_FILES="$unpacked/nvidia_icd.json"
      note "no NVIDIA ICD file: wrote one for $glx"
    else
      note "no NVIDIA ICD file and no libGLX_nvidia.so.0: the driver's Vulkan part is not mounted (see env.txt)"
    fi
  fi
fi
export DLC_BACKEND="$backend"
echo "--- after set-up: LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-}" >>"$out/env.txt"

# 1. The adapter and a self-test kernel. Without an adapter nothing else can run.
if ! stage devices "$t_devices" "$out/devices.json" "$out/devices.log" "$node" "$unpacked/dist/dlc.js" devices --json; then
  note "no working $backend adapter (devices.log); retrying once with the Vulkan loader's diagnostics"
  VK_LOADER_DEBUG=error,warn,driver stage devices-retry "$t_devices" "$out/devices-retry.json" "$out/devices-retry.log" "$node" "$unpacked/dist/dlc.js" devices --json
  skip=1
else
  skip=0
fi

if [ "$skip" = 0 ]; then
  # 2. Correctness: every example and bench model against the reference interpreter.
  stage check "$t_check" "$out/check.log" "$out/check.stderr" "$node" "$unpacked/dist/device-check.js" --json "$out/check.json"
  # 3. Benchmarks, one model per process so that one hang loses one row only.
  for m in $models; do
    limit="$t_bench" && [ "$m" = lenet ] && limit="$t_bench_lenet"
    stage "bench-$m" "$limit" "$out/bench-$m.json" "$out/bench-$m.log" "$node" "$unpacked/dist/bench.js" --json --models "$m"
  done
fi

# 4. The summary (also the end of this command's output), then the four files of $OUT.
printf 'total\t%s\t%s\n' "$status" "$(($(date +%s) - run_start))" >>"$out/stages.tsv"
gather || status=1
tar -C "$(dirname "$out")" -czf "$final/run.tar.gz" "$(basename "$out")"
cat "$final/summary.md"
note "done in $(($(date +%s) - run_start))s; status $status; results in $final (summary.md, results.json, logs.txt, run.tar.gz)"
exit "$status"
