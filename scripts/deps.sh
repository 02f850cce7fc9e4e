#!/bin/sh
# Install what is missing from Debian 12 packages (idempotent).
set -e
PKGS="build-essential cmake pkg-config libwebsockets-dev libwebsockets-evlib-ev
libev-dev libsqlite3-dev libmsgpack-dev libssl-dev openssl libjansson-dev
libcmocka-dev libcsv-dev python3
libcairo2-dev libpango1.0-dev libqrencode-dev libpoppler-glib-dev
fonts-dejavu-core poppler-utils jq
clang libclang-rt-14-dev
gettext locales tzdata python3-aiosmtpd
chromium"
# node and npm: the web console's pinned JavaScript (package-lock.json);
# a machine with its own node keeps it
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
if [ -n "$missing" ]; then
    echo "installing:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
# wo speaks Bahasa Indonesia under LANG=id_ID.UTF-8 (docs/i18n.md): make
# that locale (wo also falls back to its language without it)
if ! locale -a 2>/dev/null | grep -qi '^id_ID\.utf-\?8$'; then
    echo "generating the id_ID.UTF-8 locale"
    $SUDO sed -i 's/^# *\(id_ID\.UTF-8 UTF-8\)/\1/' /etc/locale.gen
    grep -q '^id_ID.UTF-8 UTF-8' /etc/locale.gen ||
        echo 'id_ID.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
    $SUDO locale-gen >/dev/null
fi
# The web console's JavaScript, exactly as package-lock.json pins it: the
# msgpack codec wo-server embeds, and playwright-core, which the browser
# tests drive Debian's chromium with (it downloads no browser of its own).
cd "$(dirname "$0")/.."
if ! cmp -s package-lock.json node_modules/.wo-installed-lock 2>/dev/null; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.wo-installed-lock
fi
