#!/bin/sh
# Timer churn, ae against libev, side by side: `benches/libev/compare.sh
# [N ...]` builds ae's `timers` runner and benches/libev/churn.c (against the
# system's libev: libev-dev), then runs the two in turn, ROUNDS times (default
# 7) per N, each process doing 5 rounds of which the median is kept, and
# prints the medians of both and their ratio. MODE=churn-anchored compares
# with an iteration between creating and deleting (ev_run NOWAIT on libev),
# MODE=churn-spread the same with deadlines 1 us apart (no ties).
set -eu
cd "$(dirname "$0")/../.."
MODE=${MODE:-churn}
ROUNDS=${ROUNDS:-7}
[ $# -gt 0 ] || set -- 1000 1000000
if ! printf '#include <ev.h>\n' | cc -E - >/dev/null 2>&1; then
    echo "compare.sh: libev's header is missing: install libev-dev (Debian) or libev" >&2
    exit 1
fi
cargo build --release -q -p ae-benches --bin timers
OUT=target/libev-churn
cc -O2 -o "$OUT" benches/libev/churn.c -lev
ANCHOR=""
[ "$MODE" = churn-anchored ] && ANCHOR=anchored
[ "$MODE" = churn-spread ] && ANCHOR=spread
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for n in "$@"; do
    ae=""; ev=""
    i=0
    while [ $i -lt "$ROUNDS" ]; do
        ae="$ae $(target/release/timers "$MODE" "$n" 5 | median)"
        ev="$ev $("$OUT" "$n" 5 $ANCHOR | median)"
        i=$((i + 1))
    done
    a=$(echo $ae | tr ' ' '\n' | median)
    e=$(echo $ev | tr ' ' '\n' | median)
    echo "$MODE N=$n: ae $a ns/timer, libev $e ns/timer, ratio $(awk "BEGIN {printf \"%.2f\", $a / $e}")  (ae:$ae | libev:$ev)"
done
