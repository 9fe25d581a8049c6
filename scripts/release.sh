#!/usr/bin/env bash
# Builds a release archive: dist/backline-<version>-<target>.tar.gz holding
# backline-<version>-<target>/{backline, LICENSE, README.md, CHANGELOG.md}, and its SHA-256 in
# dist/backline-<version>-<target>.tar.gz.sha256 (`sha256sum -c` format).
#
# Usage: scripts/release.sh [--target TRIPLE] [--binary PATH] [--out DIR]
#   --target  a Rust target triple (default: this machine's); needs `rustup target add` first
#   --binary  package this already-built binary instead of running `cargo build --release`
#             (the test suite packages its debug build: a release build takes minutes)
#   --out     where the archive goes (default dist/)
#
# The archive is reproducible for a given binary: sorted entries, fixed owner and times
# (SOURCE_DATE_EPOCH, default the commit's time), gzip without a timestamp.
set -euo pipefail
cd "$(dirname "$0")/.."

target=$(rustc -vV | sed -n 's/^host: //p')
binary=
out=dist
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

if [ -z "$binary" ]; then
  cargo build --release --locked --target "$target" --bin backline
  binary=target/$target/release/backline
fi
[ -x "$binary" ] || { echo "no binary at $binary" >&2; exit 2; }

# The version the binary reports, so the archive's name cannot disagree with `backline --version`.
version=$("$binary" --version | awk '{print $2}')
name=backline-$version-$target
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
install -m 0755 "$binary" "$stage/$name/backline"
install -m 0644 LICENSE README.md CHANGELOG.md "$stage/$name/"

mkdir -p "$out"
tar -C "$stage" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -cf - "$name" |
  gzip -9 -n >"$out/$name.tar.gz"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "$out/$name.tar.gz"
