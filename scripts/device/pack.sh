#!/usr/bin/env bash
# Builds the device kit: everything scripts/device/check.sh needs on a lent
# accelerator that has Python but no Node.js, no node_modules and no network, in
# ONE git-ignored folder to carry (docs/devices.md):
#   .device-kit/kit.tar.xz    node (this machine's binary), dist/{dlc,bench,device-check}.js
#                             (self-contained bundles: scripts/device/bundle.mjs),
#                             dist/models/*.dl (what dist/bench.js looks for beside itself),
#                             node_modules/webgpu (Dawn's addon: package.json, index.js,
#                             dist/linux-x64/dawn.node only), lib/libvulkan.so.1 (a Vulkan
#                             loader, used only where the device has none)
#   .device-kit/MANIFEST.txt  what went in, from which commit, and the sizes
# Usage: bash scripts/device/pack.sh [OUTDIR]   (default .device-kit; at most 60 MiB)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="${1:-.device-kit}"
limit_mib=60
vulkan_deb_version="1.3.239.0-1" # Debian bookworm's libvulkan1

die() {
  echo "pack.sh: $*" >&2
  exit 1
}

[ "$(uname -m)" = x86_64 ] || die "the device machine is x86_64 Linux; pack on x86_64 Linux (this is $(uname -m))"
node_bin="$(command -v node)" || die "node is not on PATH"
node_bin="$(readlink -f "$node_bin")"
command -v xz >/dev/null || die "xz is needed to compress the kit"
dawn="node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$dawn" ] || die "$dawn is missing: run npm ci first"

stage="$(mktemp -d)"
deb_dir="$(mktemp -d)"
trap 'rm -rf "$stage" "$deb_dir"' EXIT

echo "pack: bundles (scripts/device/bundle.mjs)"
node scripts/device/bundle.mjs "$stage/dist"
mkdir -p "$stage/dist/models"
cp bench/models/*.dl "$stage/dist/models/"

echo "pack: node $("$node_bin" --version) from $node_bin"
cp "$node_bin" "$stage/node"

echo "pack: Dawn's addon (webgpu $(node -p "require('./node_modules/webgpu/package.json').version"))"
mkdir -p "$stage/node_modules/webgpu/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/LICENSE.md "$stage/node_modules/webgpu/"
cp "$dawn" "$stage/node_modules/webgpu/dist/linux-x64/"

# A Vulkan loader for a device whose driver mounts the NVIDIA ICD but not libvulkan.so.1.
mkdir -p "$stage/lib"
loader=""
for candidate in /usr/lib/x86_64-linux-gnu/libvulkan.so.1 /lib/x86_64-linux-gnu/libvulkan.so.1; do
  [ -f "$candidate" ] && loader="$candidate" && break
done
if [ -z "$loader" ]; then
  if (cd "$deb_dir" && apt-get download "libvulkan1=$vulkan_deb_version" >/dev/null 2>&1); then
    dpkg-deb -x "$deb_dir"/libvulkan1_*.deb "$deb_dir/root"
    loader="$(ls "$deb_dir"/root/usr/lib/x86_64-linux-gnu/libvulkan.so.1.* | head -1)"
  fi
fi
if [ -n "$loader" ]; then
  cp -L "$loader" "$stage/lib/libvulkan.so.1"
  echo "pack: Vulkan loader from $loader"
else
  echo "pack: warning: no libvulkan.so.1 here and apt-get download libvulkan1 failed; the kit has no fallback loader" >&2
fi

mkdir -p "$out"
rm -f "$out/kit.tar.xz" "$out/MANIFEST.txt"
echo "pack: compressing (xz -9; a few minutes on 2 cores)"
tar -C "$stage" -cf - . | xz -9 -T0 -c >"$out/kit.tar.xz"

{
  echo "dlc device kit, packed $(date -u +%Y-%m-%dT%H:%M:%SZ) from commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (working tree with changes)')"
  echo "node $("$node_bin" --version); webgpu $(node -p "require('./node_modules/webgpu/package.json').version")"
  echo "sha256 $(sha256sum "$out/kit.tar.xz" | cut -d' ' -f1)  kit.tar.xz"
  echo "unpacked:"
  (cd "$stage" && du -ab . | sort -k2 | awk '$2 != "." {printf "  %10d  %s\n", $1, substr($2, 3)}')
} >"$out/MANIFEST.txt"

bytes="$(du -cb "$out" | tail -1 | cut -f1)"
mib="$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
echo "pack: $out is $mib MiB ($(du -b "$out/kit.tar.xz" | cut -f1) bytes in kit.tar.xz; unpacked $(du -sb "$stage" | cut -f1) bytes)"
if [ "$bytes" -gt $((limit_mib * 1048576)) ]; then
  die "$out is $mib MiB, over the $limit_mib MiB limit (the run tool carries 64 MiB in all)"
fi
echo "pack: ok; carry it with run(carry: [\"$out\"]) and run: bash scripts/device/check.sh"
