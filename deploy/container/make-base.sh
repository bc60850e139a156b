#!/bin/sh
# A Debian bookworm base image without an image registry: debootstrap from Debian's mirror, then docker import.
#   deploy/container/make-base.sh [image-name]     (root; apt-get install debootstrap docker.io)
set -eu
NAME=${1:-fieldapp-base:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ROOTFS=$(mktemp -d /tmp/fieldapp-rootfs.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT
debootstrap --variant=minbase --include=ca-certificates bookworm "$ROOTFS" "$MIRROR" >/dev/null
tar -C "$ROOTFS" -c . | docker import - "$NAME" >/dev/null
echo "$NAME"
