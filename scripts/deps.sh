#!/bin/sh
# Install what is missing from Debian 12 packages (idempotent).
set -e
PKGS="build-essential cmake pkg-config libwebsockets-dev libwebsockets-evlib-ev
libev-dev libsqlite3-dev libmsgpack-dev libssl-dev openssl libjansson-dev
libcmocka-dev libcsv-dev python3
libcairo2-dev libpango1.0-dev libqrencode-dev libpoppler-glib-dev
fonts-dejavu-core poppler-utils jq
clang libclang-rt-14-dev
python3-aiosmtpd tzdata"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
