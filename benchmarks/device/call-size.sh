#!/usr/bin/env bash
# Prints what a device call from this checkout sends, as "TREE CARRY" in bytes: the working tree (tracked and
# untracked-not-ignored files) and the carried bundle folder. The device tool takes at most 64 MiB of both.
# Used by build-bundle.sh and record.sh.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tree="$(cd "$repo" && git ls-files -z --cached --others --exclude-standard | { xargs -0 stat -c %s 2>/dev/null || true; } \
  | awk '{ s += $1 } END { print s + 0 }')"
bundle="$repo/benchmarks/device/bundle"
carry=0
[ ! -d "$bundle" ] || carry="$(du -sb "$bundle" | cut -f1)"
echo "$tree $carry"
