#!/usr/bin/env bash
# Builds the `backline` container image (deploy/Dockerfile) from a binary built on this machine.
#
# Usage: scripts/image.sh [BINARY] [TAG]
#   BINARY  default target/release/backline (scripts/release.sh's build); the test suite passes
#           its debug build, stripped here, since a release build is too slow for CI.
#   TAG     default localhost/backline:<version>
#
# Needs podman (or buildah) and the base image: on a machine without registry access,
# scripts/base-images.sh makes it from Debian's packages (run here when the image is missing).
# `--isolation chroot` runs the Dockerfile's RUN steps without an OCI runtime, so the build also
# works where cgroups forbid running containers (nested in another container, as CI machines are).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-target/release/backline}
[ -x "$binary" ] || { echo "no binary at $binary (cargo build --release first)" >&2; exit 2; }
version_line=$("$binary" --version)                # "backline 0.1.0 (1a2b3c4)"
version=$(echo "$version_line" | awk '{print $2}')
revision=$(echo "$version_line" | sed -n 's/.*(\(.*\)).*/\1/p')
tag=${2:-localhost/backline:$version}

if command -v podman >/dev/null 2>&1; then
  builder=(podman build)
elif command -v buildah >/dev/null 2>&1; then
  builder=(buildah bud)
else
  echo "neither podman nor buildah is installed (apt-get install podman)" >&2
  exit 2
fi

./scripts/base-images.sh >&2

# The build context is the binary alone: the repository (and its target/) never goes into it.
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$binary" "$context/backline"
# Symbols and line tables are for debugging on the build machine, not for the image.
strip "$context/backline" 2>/dev/null || true

"${builder[@]}" --isolation chroot --quiet \
  -f deploy/Dockerfile \
  --build-arg BINARY=backline \
  --build-arg VERSION="$version" \
  --build-arg REVISION="${revision:-unknown}" \
  -t "$tag" "$context" >/dev/null
echo "$tag"
