#!/usr/bin/env bash
# The real-GPU pack's runner (packed as run.sh by scripts/pack-gpu-bench.ts; docs/performance.md,
# "Figures from a real GPU"). Unpacks the pack into a temporary folder, uses the packed Vulkan
# loader only when the machine has none, points Vulkan at the NVIDIA driver, then runs the packed
# `npm run bench` on webgpu (Dawn) and on wasm within a time limit, and issue 23's two goals.
#
#   bash run.sh [--out DIR] [--time-limit SECONDS]   the bench: DIR gets run.log, gpu.txt, bench-*.json|log, goals.json
#   bash run.sh --self-test wasm|webgpu               seconds: the pack starts and computes (no GPU needed for wasm)
# GPU_PACK_LOADER=packed uses the packed Vulkan loader even where the machine has one (to test it).
#
# Each missing piece is one line starting "missing:". Exit 0 when everything ran, 1 when a part failed.
set -uo pipefail

PACK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$PWD/gpu-bench-out"
TIME_LIMIT=540
SELF_TEST=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --time-limit) TIME_LIMIT="$2"; shift 2 ;;
    --self-test) SELF_TEST="${2:-}"; shift 2 ;;
    *) echo "usage: bash run.sh [--out DIR] [--time-limit SECONDS] | --self-test wasm|webgpu (got \"$1\")" >&2; exit 2 ;;
  esac
done
case "$SELF_TEST" in ""|wasm|webgpu) ;; *) echo "--self-test: expected wasm or webgpu, got \"$SELF_TEST\"" >&2; exit 2 ;; esac
START=$SECONDS
missing() { echo "missing: $*" >&2; }

# shellcheck source=/dev/null
source "$PACK/bench-args.sh"

for tool in gzip sha256sum timeout; do
  command -v "$tool" >/dev/null || { missing "$tool (coreutils / gzip), which run.sh needs to unpack and time the bench"; exit 1; }
done
if [ -z "$SELF_TEST" ]; then
  mkdir -p "$OUT" || exit 1
  OUT="$(cd "$OUT" && pwd)"
  exec > >(tee -a "$OUT/run.log") 2>&1
  echo "run.sh: $(date -u +%FT%TZ), pack $(grep -m1 '"created"' "$PACK/manifest.json" | tr -d ' ,'), output $OUT"
fi

# The pack as packed: every file against SHA256SUMS.
(cd "$PACK" && sha256sum --quiet -c SHA256SUMS) || { missing "an intact pack: files differ from SHA256SUMS (pack again: npm run pack-gpu-bench)"; exit 1; }

# ldconfig lives in sbin, which a user's PATH may lack.
LDCONFIG="$(command -v ldconfig || ls /sbin/ldconfig /usr/sbin/ldconfig 2>/dev/null | head -1)"
ldcache() { [ -n "$LDCONFIG" ] && "$LDCONFIG" -p 2>/dev/null; }

# glibc and libstdc++ versions the packed Node, dawn.node and loader need.
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }
GLIBC="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
if [ -n "$GLIBC" ] && ! version_ge "$GLIBC" "$NEEDS_GLIBC"; then missing "glibc $NEEDS_GLIBC or newer (this machine has $GLIBC): the packed Node and dawn.node need it"; exit 1; fi
LIBSTDCXX="$( (ldcache | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}') || true)"
if [ -n "$LIBSTDCXX" ] && ! grep -q "GLIBCXX_$NEEDS_GLIBCXX" "$LIBSTDCXX"; then missing "libstdc++ with GLIBCXX_$NEEDS_GLIBCXX ($LIBSTDCXX lacks it): dawn.node needs it"; exit 1; fi

# Unpack into a temporary folder (the pack may be read-only): the .gz files are the large binaries.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gpu-pack-run.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp -R "$PACK/." "$WORK/"
find "$WORK" -name '*.gz' -exec gzip -d {} +
NODE="$WORK/bin/node"
"$NODE" --version >/dev/null || { missing "a Node that starts here: $NODE --version failed"; exit 1; }

# The Vulkan loader: the machine's own when it has one, else the packed one.
have_loader() {
  ldcache | grep -q 'libvulkan\.so\.1 ' && return 0
  for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do [ -e "$d/libvulkan.so.1" ] && return 0; done
  return 1
}
if have_loader && [ "${GPU_PACK_LOADER:-}" != packed ]; then echo "vulkan loader: the machine's"
else
  export LD_LIBRARY_PATH="$WORK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "vulkan loader: the packed one ($([ "${GPU_PACK_LOADER:-}" = packed ] && echo 'GPU_PACK_LOADER=packed' || echo 'the machine has no libvulkan.so.1'))"
fi

# The Vulkan driver: VK_ICD_FILENAMES when set (e.g. SwiftShader for a check without a GPU), else
# NVIDIA's ICD, alone, so that no software driver (lavapipe, SwiftShader) is picked instead.
WEBGPU_OK=1
if [ "$SELF_TEST" = wasm ]; then :
elif [ -n "${VK_ICD_FILENAMES:-}" ]; then echo "vulkan driver: VK_ICD_FILENAMES=$VK_ICD_FILENAMES (set by the caller)"
else
  ICD=""
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/local/etc/vulkan/icd.d; do
    for f in "$d"/nvidia_icd*.json; do [ -e "$f" ] && { ICD="$f"; break 2; }; done
  done
  if [ -z "$ICD" ]; then
    # Some containers mount the driver's libraries but not its ICD file: describe the driver ourselves.
    GLX="$( (ldcache | awk '/libGLX_nvidia\.so\.0 .*x86-64/ {print $NF; exit}') || true)"
    if [ -n "$GLX" ]; then
      ICD="$WORK/nvidia_icd.json"
      printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$GLX" > "$ICD"
      echo "vulkan driver: no nvidia_icd.json on the machine; wrote one for $GLX"
    fi
  fi
  if [ -n "$ICD" ]; then export VK_ICD_FILENAMES="$ICD"; echo "vulkan driver: $ICD"
  else
    WEBGPU_OK=0
    missing "NVIDIA's Vulkan driver: no nvidia_icd.json in /etc/vulkan/icd.d or /usr/share/vulkan/icd.d and no libGLX_nvidia.so.0 (a container needs NVIDIA_DRIVER_CAPABILITIES to include graphics); the webgpu bench is skipped"
  fi
fi

if [ -n "$SELF_TEST" ]; then
  [ "$SELF_TEST" = webgpu ] && [ "$WEBGPU_OK" = 0 ] && exit 1
  "$NODE" "$WORK/$BUNDLE" --pack-self-test "$SELF_TEST"
  exit $?
fi

GPU_NAME="unknown"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
  GPU_NAME="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
else missing "nvidia-smi: the GPU's name is taken from Dawn's adapter in the bench JSON only"
fi

FAILED=0
left() { echo $((TIME_LIMIT - (SECONDS - START))); }
# One backend's bench under its own limit; a timeout keeps what the other one measured.
bench() {
  local name="$1" limit="$2"; shift 2
  echo "bench $name: up to ${limit} s: bench $*"
  timeout -k 10 "$limit" "$NODE" "$WORK/$BUNDLE" "$@" --out "$OUT/bench-$name.json" > >(tee "$OUT/bench-$name.log") 2>&1
  local rc=$?
  if [ $rc -ne 0 ]; then FAILED=1; echo "bench $name: exit $rc$([ $rc -ge 124 ] && echo ", stopped at the ${limit} s limit")"; fi
}
if [ "$WEBGPU_OK" = 1 ]; then
  if timeout 120 "$NODE" "$WORK/$BUNDLE" --pack-self-test webgpu > "$OUT/self-test-webgpu.json"; then
    cat "$OUT/self-test-webgpu.json"
    # Most of the time for the GPU; wasm's bench at 30 dialogues is the smaller part.
    bench webgpu $(( $(left) * 3 / 5 )) "${WEBGPU_ARGS[@]}"
  else FAILED=1; echo "webgpu self-test failed: the webgpu bench is skipped"
  fi
else FAILED=1
fi
bench wasm $(( $(left) - 20 )) "${WASM_ARGS[@]}"
"$NODE" "$WORK/$BUNDLE" --pack-summary "$OUT/bench-webgpu.json" "$OUT/bench-wasm.json" "$GPU_NAME" "$OUT/goals.json" || FAILED=1
echo "run.sh: done in $((SECONDS - START)) s$([ $FAILED = 1 ] && echo ', with failures (above)')"
exit $FAILED
