#!/usr/bin/env bash
# A JRE base image for `mvn -Pimage package`, built from Debian's packages alone, for hosts that reach no container
# registry. Writes a `docker save` tarball that Jib takes as -Dimage.base=tar://FILE.
#
#   sudo deploy/image/base-image.sh [OUT]    # OUT defaults to target/base-image.tar; needs root and debootstrap
#
# DEBIAN_MIRROR picks the package mirror (default: debootstrap's own). The layer's files are sorted and dated
# SOURCE_DATE_EPOCH (default 0), so the same packages give the same tarball.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(realpath -m "${1:-$here/target/base-image.tar}")"
suite="${DEBIAN_SUITE:-bookworm}"
packages="openjdk-17-jre-headless,ca-certificates"
epoch="${SOURCE_DATE_EPOCH:-0}"

[ "$(id -u)" = 0 ] || { echo "base-image.sh: debootstrap needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null

work="$(mktemp -d)"
trap 'umount "$work/rootfs/proc" 2>/dev/null; rm -rf "$work"' EXIT
root="$work/rootfs"
echo "base-image: debootstrap $suite (minbase) with $packages" >&2
nice -n 19 debootstrap --variant=minbase --include="$packages" "$suite" "$root" ${DEBIAN_MIRROR:-} >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
# What a container never needs: package caches and lists, docs and man pages.
rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/var/log/* "$root"/tmp/*
java_home="$(dirname "$(dirname "$(chroot "$root" readlink -f /usr/bin/java)")")"
# The java launcher finds its libraries through /proc/self/exe, as it will in a container.
mount -t proc proc "$root/proc"
version="$(chroot "$root" java -version 2>&1 | head -1)"
umount "$root/proc"
echo "base-image: $version, JAVA_HOME $java_home" >&2

# One layer, then the image config and the manifest of `docker save`.
mkdir "$work/image"
tar -C "$root" --sort=name --numeric-owner --mtime="@$epoch" --xattrs -cf "$work/image/layer.tar" .
layer="$(sha256sum "$work/image/layer.tar" | cut -d' ' -f1)"
mkdir "$work/image/$layer"
mv "$work/image/layer.tar" "$work/image/$layer/layer.tar"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
cat >"$work/image/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"$created",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=$java_home",
 "LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},
 "history":[{"created":"$created","created_by":"deploy/image/base-image.sh: debootstrap $suite, $packages"}]}
JSON
config="$(sha256sum "$work/image/config.json" | cut -d' ' -f1)"
mv "$work/image/config.json" "$work/image/$config.json"
printf '[{"Config":"%s.json","RepoTags":["reason-base:17-jre"],"Layers":["%s/layer.tar"]}]\n' "$config" "$layer" \
    >"$work/image/manifest.json"
mkdir -p "$(dirname "$out")"
# Names without a leading ./: Jib refuses entries that point at the folder it unpacks into.
tar -C "$work/image" --sort=name --mtime="@$epoch" --owner=0 --group=0 -cf "$out" manifest.json "$config.json" "$layer"
echo "base-image: wrote $out ($(du -h "$out" | cut -f1))" >&2
