#!/bin/sh
# The include graph between the modules of one directory (default:
# client/), and a check that it has no cycle. A module is x.c with x.h;
# a file p_*.c with no header of its own belongs to module p when p.h
# exists (cmd_tech.c is module cmd). Prints one edge "A B" per module A
# that includes module B's header, then exits 1 if tsort finds a cycle.
set -e
cd "$(dirname "$0")/../${1:-client}"
module() {
    m=${1%.*}
    if [ ! -f "$m.h" ] && [ -f "${m%%_*}.h" ]; then
        m=${m%%_*}
    fi
    echo "$m"
}
edges=$(for f in *.c *.h; do
    sed -n 's/^#include "\(.*\)".*/\1/p' "$f" | while read -r h; do
        [ -f "$h" ] || continue
        a=$(module "$f")
        b=$(module "$h")
        [ "$a" = "$b" ] || echo "$a $b"
    done
done | sort -u)
echo "$edges"
if echo "$edges" | tsort > /dev/null 2>&1; then
    echo "no include cycle between modules of ${1:-client}/"
else
    echo "$edges" | tsort 2>&1 > /dev/null | sed 's/^/cycle: /'
    exit 1
fi
