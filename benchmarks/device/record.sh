#!/usr/bin/env bash
# Records a device run (benchmarks/device/run.sh) in benchmarks/results/, where the READMEs point to it.
#
#   bash benchmarks/device/record.sh DIR [NAME]
#
# DIR is the folder the device tool brought the run's files back to (summary.md, summary.json, run.log and
# results.tar.gz). NAME is the folder to write under benchmarks/results/ (default: device-<gpu>-<date>, e.g.
# device-nvidia-h200-2026-12-02, from the run's env.txt). Written there:
# - summary.md, summary.json and run.log as they came;
# - every step's result files from results.tar.gz (CSV, JSON, PNG, report.md, the JUnit XML report), without
#   the step logs and SVG copies; a benchmark's results.jsonl and Nsight Compute's CSV gzipped (bench --resume
#   re-summarizes from results.jsonl after gunzip -k);
# - README.md: the GPU, the bundle's commit, the command and the summary.
# An existing NAME is refused: a recorded result is not overwritten (remove it first to redo it).
set -euo pipefail

die() { printf 'record: error: %s\n' "$*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: bash benchmarks/device/record.sh DIR [NAME]"
src="$1"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
for f in summary.md summary.json run.log results.tar.gz; do
  [ -f "$src/$f" ] || die "$src/$f is missing: DIR is the folder of the device tool's returned files"
done
work="$(mktemp -d "${TMPDIR:-/tmp}/reason-record.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$src/results.tar.gz" || die "cannot unpack $src/results.tar.gz"
env_value() { sed -n "s/^$1=//p" "$work/env.txt" 2>/dev/null | head -1; }
gpu_name="$(env_value gpu_name)"
when="$(env_value date)"
[ -n "$when" ] || when="$(date -u -r "$src/results.tar.gz" +%Y-%m-%d)"  # a run from before run.sh recorded it
slug="$(printf '%s' "${gpu_name:-cpu-only}" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/^-*//; s/-*$//')"
name="${2:-device-$slug-$when}"
case "$name" in */*|.*|'') die "NAME must be a plain folder name, not '$name'" ;; esac
results="${RESULTS_DIR:-$repo/benchmarks/results}"
dest="$results/$name"
[ ! -e "$dest" ] || die "$dest exists: a recorded result is not overwritten (remove it first to record again)"
final="$dest"
dest="$work/record"  # written here first and moved into place whole: a failure leaves nothing half-written
mkdir -p "$dest"

cp "$src/summary.md" "$src/summary.json" "$src/run.log" "$dest/"
(cd "$work/results" && find . -type f ! -name '*.svg' ! -name '*.log' | LC_ALL=C sort) | while IFS= read -r f; do
  mkdir -p "$dest/$(dirname "$f")"
  case "$f" in
    */results.jsonl | ./ncu-*.csv) gzip -n -9 < "$work/results/$f" > "$dest/$f.gz" ;;
    *) cp "$work/results/$f" "$dest/$f" ;;
  esac
done
cp "$work/status.tsv" "$work/env.txt" "$dest/" 2>/dev/null || true

{
  echo "# Device run: ${gpu_name:-no GPU}, $when"
  echo
  echo "Recorded by \`benchmarks/device/record.sh\` from the files \`benchmarks/device/run.sh\` returned."
  echo
  echo "- GPU: ${gpu_name:-none} (driver $(env_value driver), CUDA $(env_value cuda)); CUDA engine probe: $(env_value cuda_engine)"
  echo "- bundle built from commit $(env_value bundle) (\`bash benchmarks/device/build-bundle.sh --no-model\`)"
  echo "- command: device tool \`run\` with \`bash benchmarks/device/run.sh\`, carry \`benchmarks/device/bundle\`"
  echo "- per step: \`status.tsv\` (key, status, exit code, seconds, note); the run's progress: \`run.log\`"
  echo
  echo "## Summary"
  echo
  echo '```'
  cat "$src/summary.md"
  echo '```'
} > "$dest/README.md"
mkdir -p "$results"
mv "$dest" "$final"
echo "record: wrote ${final#"$repo"/} ($(du -sh "$final" | cut -f1), $(find "$final" -type f | wc -l) files)"
# The device tool sends the working tree and the carried bundle together, at most 64 MiB, and this record grows
# the tree: say what the next device call from this checkout would send.
if [ -z "${RESULTS_DIR:-}" ] && [ -f "$repo/benchmarks/device/bundle/reason-device.tar.xz" ]; then
  read -r tree carry < <(bash "$repo/benchmarks/device/call-size.sh")
  sum=$((tree + carry))
  awk -v s="$sum" 'BEGIN { printf "record: a device call would now send %.1f of 64 MiB (working tree and bundle)\n", s / 1048576 }'
  [ "$sum" -le $((64 * 1048576)) ] || echo "record: warning: over 64 MiB: before the next device call, gzip or leave out the largest recorded files (find benchmarks/results -size +1M)" >&2
fi
