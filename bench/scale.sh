#!/usr/bin/env bash
# The scale curve of issue 6: annals alone at several sizes, the same questions as the
# side-by-side bench (`bench/src/main.rs`), one markdown table row per size.
#
#   cargo build --release --examples --bins
#   bench/scale.sh 400000 1000000 10000000 > bench/results/scale.md
#
# For each size it generates the data (seed 1) into bench/data/ unless present, imports
# it into a fresh database, rematerializes it, times the first answer of a new process,
# then runs each question RUNS times through one `annals run --timer` and reports the
# medians. Peak RSS comes from GNU time. Needs python3 (for the probes file).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ANNALS:-target/release/annals}
GEN=${GENERATE:-target/release/examples/generate}
RUNS=${RUNS:-11}
DATA=${DATA_DIR:-bench/data}
mkdir -p "$DATA"

probe() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
lit() { python3 -c "import json,sys; print(json.dumps(sys.argv[1], ensure_ascii=False))" "$1"; }
rss_mib() { awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$1"; }
secs() { awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"; }

echo "| facts | events | import s | events/s | import RSS MiB | rematerialize s | events/s | open→answer ms | query RSS MiB | disk B/fact | Q1 | Q2 | Q3 | Q4 | Q5 | Q6 | Q7 | Q8 | Q8a |"
echo "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
for facts in "$@"; do
    data="$DATA/scale-$facts.jsonl"
    [ -s "$data" ] || "$GEN" --facts "$facts" --seed 1 --out "$data" >/dev/null
    p="$data.probes.json"
    e1=$(lit "$(probe "$p" e1)"); e2=$(lit "$(probe "$p" e2)"); x=$(lit "$(probe "$p" x)")
    s=$(lit "$(probe "$p" s)"); pr=$(probe "$p" p); o=$(lit "$(probe "$p" o)")
    mid=$(probe "$p" mid_tx); prefix=$(lit "$(probe "$p" prefix)")
    qs=(
        "find ?p, ?o where $e1 ?p ?o;"
        "find ?s, ?p where ?s ?p $e2;"
        "find ?who where ?who ceo_of ?org, ?org sells_to $x;"
        "find ?o where $x sells_to{1,2} ?o;"
        "find ?p, count(*) as n where ?s ?p ?o order by n desc, ?p limit 10;"
        "find ?p, ?o where $e1 ?p ?o as of #$mid;"
        "find ?a, ?d where $s $pr $o in ?a, ?a published ?d;"
        "find ?e where ?e name ?n, ?n starts_with $prefix;"
        "find ?e where ?e alias ?n, ?n starts_with $prefix;"
    )
    db="$DATA/scale-$facts.annals"
    rm -rf "$db"
    t=$(mktemp)
    /usr/bin/time -v "$BIN" --db "$db" -q import "$data" >/dev/null 2>"$t"
    import_s=$(secs "$t"); import_rss=$(rss_mib "$t")
    events=$(wc -l <"$data")
    disk=$(du -sb "$db" | cut -f1)
    /usr/bin/time -v "$BIN" --db "$db" -q rematerialize >/dev/null 2>"$t"
    remat_s=$(secs "$t")
    # Open to first answer: the median of five fresh processes.
    opens=()
    for _ in 1 2 3 4 5; do
        /usr/bin/time -v "$BIN" --db "$db" --format tsv query "${qs[0]}" >/dev/null 2>"$t"
        opens+=("$(secs "$t")")
    done
    query_rss=$(rss_mib "$t")
    open_ms=$(printf '%s\n' "${opens[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]*1000}')
    medians=()
    for q in "${qs[@]}"; do
        script=$(mktemp)
        for _ in $(seq 0 "$RUNS"); do echo "$q"; done >"$script"
        # The first run warms the view's lazily built indexes (reported apart); the rest
        # are timed.
        timers=$("$BIN" --db "$db" --timer --format tsv run "$script" 2>&1 >/dev/null |
            awk '/^timer:/ {print $2}')
        first=$(printf '%s\n' "$timers" | head -n 1 | awk '{printf "%.3g", $1}')
        m=$(printf '%s\n' "$timers" | tail -n +2 | sort -g |
            awk '{a[NR]=$1} END {printf "%.3g", a[int((NR+1)/2)]}')
        rows=$("$BIN" --db "$db" --format tsv query "$q" | tail -n +2 | wc -l)
        medians+=("$m ms ($rows; first $first)")
        rm -f "$script"
    done
    rm -f "$t"
    awk -v f="$facts" -v ev="$events" -v is="$import_s" -v ir="$import_rss" -v rs="$remat_s" \
        -v om="$open_ms" -v qr="$query_rss" -v d="$disk" -v q="$(printf ' | %s' "${medians[@]}" | cut -c4-)" 'BEGIN {
        printf "| %d | %d | %.2f | %.0f | %d | %.2f | %.0f | %d | %d | %.0f | %s |\n",
            f, ev, is, ev/is, ir, rs, ev/rs, om, qr, d/f, q
    }'
    rm -rf "$db"
done
echo
echo "Question cells: median ms over $RUNS warm runs in one \`annals run --timer\` (rows returned; first: the process's first statement, right after open)."
echo "Events: lines of the import file. Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1 /proc/loadavg) at the end."
