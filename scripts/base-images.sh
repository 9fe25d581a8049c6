#!/usr/bin/env bash
# Makes the base image deploy/Dockerfile starts from, `docker.io/library/debian:bookworm-slim`,
# locally from Debian's own packages (debootstrap), for machines that can reach a Debian mirror but
# no container registry. A machine that can pull from Docker Hub does not need this script.
#
# Usage: scripts/base-images.sh [--force]     (needs root, debootstrap and podman)
#   BACKLINE_DEBIAN_MIRROR   the Debian mirror (default http://deb.debian.org/debian)
#
# The image is a `minbase` bookworm (essential packages and apt) without documentation, manual
# pages or locales, close to the official slim image. It is made once; `--force` remakes it.
set -euo pipefail

image=docker.io/library/debian:bookworm-slim
mirror=${BACKLINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "${1:-}" != "--force" ] && podman image exists "$image"; then
  echo "$image exists (scripts/base-images.sh --force remakes it)"
  exit 0
fi

rootfs=$(mktemp -d /var/tmp/backline-debootstrap.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

echo "debootstrap bookworm from $mirror ..."
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -20 "$rootfs.log"
  exit 1
}
rm -f "$rootfs.log"

# What the official slim image leaves out, and the package lists (an image runs `apt-get update`).
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/log/*.log
find "$rootfs"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
# Like the official slim image: packages installed later leave out documentation, manual pages
# and translations too.
cat >"$rootfs"/etc/dpkg/dpkg.cfg.d/slim <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
# Same sources as the official image, so `apt-get install` inside a build reaches the same mirror.
rm -f "$rootfs"/etc/apt/sources.list
cat >"$rootfs"/etc/apt/sources.list.d/debian.sources <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

tar -C "$rootfs" --numeric-owner -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' \
  --message "debootstrap --variant=minbase bookworm ($mirror)" \
  - "$image" >/dev/null
podman image ls "$image"
