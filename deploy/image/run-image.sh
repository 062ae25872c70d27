#!/usr/bin/env bash
# Runs the image in an OCI image tarball without a container runtime, to check it before it goes to a registry:
# unpacks its layers into a folder, then runs its entrypoint there under chroot, as its user, in its working
# folder, with its environment and the given arguments. No isolation beyond chroot, and layers' whiteouts are
# not applied (Jib's layers have none).
#
#   sudo deploy/image/run-image.sh target/reason-image.tar info
#   sudo env JOB_COMPLETION_INDEX=1 deploy/image/run-image.sh target/reason-image.tar bench --shards 2 ...
#
# JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_* and REASON_API_KEY pass into it, as a scheduler would set them.
# Needs root (chroot, mount) and jq.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: run-image.sh IMAGE.tar [ARG...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run-image.sh: chroot needs root" >&2; exit 2; }
image="$(realpath "$1")"
shift

work="$(mktemp -d)"
root="$work/rootfs"
trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$root"
blob() { tar -xOf "$image" "blobs/sha256/${1#sha256:}"; }
manifest="$(tar -xOf "$image" index.json | jq -r '.manifests[0].digest')"
config="$(blob "$manifest" | jq -r '.config.digest')"
for layer in $(blob "$manifest" | jq -r '.layers[].digest'); do
  blob "$layer" | tar -xz -C "$root" --numeric-owner --warning=no-unknown-keyword
done
blob "$config" >"$work/config.json"

user="$(jq -r '.config.User // "0"' "$work/config.json")"
dir="$(jq -r '.config.WorkingDir // "/"' "$work/config.json")"
mapfile -t env < <(jq -r '.config.Env[]' "$work/config.json")
for name in JOB_COMPLETION_INDEX SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_STEP \
    SLURM_ARRAY_TASK_COUNT REASON_API_KEY; do
  [ -z "${!name:-}" ] || env+=("$name=${!name}")
done
mapfile -t entrypoint < <(jq -r '.config.Entrypoint[]' "$work/config.json")
# A runtime makes a missing working folder as root, as here.
install -d "$root$dir"
chmod 1777 "$root/tmp"
mount -t proc proc "$root/proc"
# env -i: the image's environment alone, as a container has it; cd: its working folder.
chroot --userspec="$user:$user" "$root" /usr/bin/env -i "${env[@]}" /bin/sh -c 'cd "$0" && exec "$@"' \
    "$dir" "${entrypoint[@]}" "$@"
