#!/usr/bin/env bash
# What each stage of an import costs: the import of one file timed with stages switched
# off, to bound what making a stage cheaper could ever gain.
#
#   bench/ablation/run.sh [ROUNDS] [DATA]      (defaults: 9, bench/data/400k.jsonl)
#
# Builds the commit that `stages.patch` was made on, with the patch applied, in a
# worktree under $TMPDIR (it adds `annals::ablated`, read from ANNALS_ABLATE, and four
# switches), then imports DATA into a fresh database ROUNDS times per setting, the
# settings taking turns, and prints the median wall and CPU (user + system) seconds of
# each. The settings skip:
#
#   zstd        compression (the runs are stored raw: sled then writes 2.6 times more)
#   sled        sled's inserts (runs are encoded and compressed, then dropped)
#   sled,zstd   both: only bincode's encoding remains of the log writer
#   log         the whole log writer (nothing reaches sled)
#   view        applying to the view (the checkpoint written is of an empty view)
#   view,log    both: what is left is reading, parsing and building events
#
# Then one import with `count` prints the bytes compressed and stored, and one with
# `dump` writes every run's bincode body to a file that the `zstd` and `lz4` command-line
# tools, when installed, compress in 16 KiB blocks (a run is about 16 KiB): annals'
# level (-2, `--fast=2`) against LZ4's default.
# Needs GNU time and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-9}
DATA=$(realpath "${2:-bench/data/400k.jsonl}")
BASE=${ABLATION_BASE:-cc0fc4c}
WORK=$(mktemp -d)
trap 'git worktree remove --force "$WORK/src" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
git worktree add -q --detach "$WORK/src" "$BASE"
git -C "$WORK/src" apply "$PWD/bench/ablation/stages.patch"
CARGO_TARGET_DIR=${ABLATION_TARGET:-$WORK/target} cargo build --release -q --manifest-path "$WORK/src/Cargo.toml"
BIN=${ABLATION_TARGET:-$WORK/target}/release/annals

settings=(none zstd sled sled,zstd log view view,log)
for _ in $(seq "$ROUNDS"); do
    for s in "${settings[@]}"; do
        rm -rf "$WORK/db"
        ANNALS_ABLATE=$s /usr/bin/time -f "$s %e %U %S" "$BIN" --db "$WORK/db" import "$DATA" 2>&1 >/dev/null | tail -1
    done
done | python3 -c '
import collections, statistics, sys
wall, cpu = collections.defaultdict(list), collections.defaultdict(list)
for line in sys.stdin:
    s, w, u, k = line.split()
    wall[s].append(float(w)); cpu[s].append(float(u) + float(k))
print("| skipped | wall s (median) | min | CPU s (median) |")
print("|---|--:|--:|--:|")
for s in wall:
    print(f"| {s} | {statistics.median(wall[s]):.3f} | {min(wall[s]):.3f} | {statistics.median(cpu[s]):.3f} |")
'
rm -rf "$WORK/db"
ANNALS_ABLATE=count "$BIN" --db "$WORK/db" import "$DATA" 2>&1 >/dev/null | awk '
    /compressing/ { raw += $3 }
    /records/ { n += $2; stored += $4 }
    END { printf "\ncompressed %d bytes into %d records of %d bytes in all\n", raw, n, stored }'
du -sb "$WORK/db/log" | awk '{ printf "sled folder: %d bytes\n", $1 }'
rm -rf "$WORK/db"
ANNALS_ABLATE=dump ANNALS_ABLATE_DUMP="$WORK/runs.bin" "$BIN" --db "$WORK/db" import "$DATA" >/dev/null
bench() { "$@" 2>&1 | tr '\r' '\n' | grep 'MB/s' | tail -1; }
if command -v zstd >/dev/null; then
    echo "zstd --fast=2: $(bench zstd --fast=2 -b -i3 -B16K "$WORK/runs.bin")"
fi
if command -v lz4 >/dev/null; then
    echo "lz4 -1:        $(bench lz4 -b1 -i3 -B16K "$WORK/runs.bin")"
fi
