#!/bin/sh
# The README's first command: install what is missing, build, initialise a
# data directory (embedded SQLite store, development certificate; the
# CA's key goes beside it, to $DATA-ca), create a dispatcher and a
# technician, and start the server.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
DATA=${WO_DATA:-$PWD/wo-data}
LISTEN=${WO_LISTEN:-127.0.0.1:8443}
./build/bin/wo-server init --data "$DATA"
if [ ! -f "$DATA/.demo-users" ]; then
    D=$(./build/bin/wo-server user add dispatcher1 --role dispatcher --data "$DATA" --quiet)
    T=$(./build/bin/wo-server user add tech1 --role technician --data "$DATA" --quiet)
    # a browser is a device of its own: a second code for the web console
    B=$(./build/bin/wo-server user code dispatcher1 --data "$DATA" --quiet)
    (umask 077 && touch "$DATA/.demo-users")
    echo
    echo "Enrol the dispatcher and the technician; each command asks for its"
    echo "one-time code (dispatcher1: $D, tech1: $T):"
    echo "  ./build/bin/wo --home ~/.wo-dispatcher enroll --server wss://$LISTEN --ca $DATA/tls/ca.pem"
    echo "  ./build/bin/wo --home ~/.wo-tech enroll --server wss://$LISTEN --ca $DATA/tls/ca.pem"
    echo "The web console: open https://$LISTEN/ (trust $DATA/tls/ca.pem in"
    echo "the browser first) and enrol the browser with dispatcher1's code $B."
    echo "More users: ./build/bin/wo-server user add NAME --role technician --data $DATA"
    echo
fi
echo "starting wo-server on wss://$LISTEN (Ctrl-C stops it)"
exec ./build/bin/wo-server run --data "$DATA" --listen "$LISTEN"
