#!/usr/bin/env bash
# Fetches the wasm3 interpreter's C sources at a pinned version, verified by
# sha256, into build/wasm3/ (ignored by git). wasm3 is not in Debian or npm;
# its maintainers ship the sources inside the pywasm3 source distribution on
# PyPI, so that is where we take them from.
#
# To use sources you already have, point WASM3_SOURCE at a folder holding
# wasm3.h and the m3_*.c files (wasm3's own `source/` folder).
set -euo pipefail
cd "$(dirname "$0")/../.."

WASM3_VERSION=0.5.0
PKG=pywasm3-$WASM3_VERSION.tar.gz
SHA256=5a47c8a39f7f6ae71b3316b2e5d86c9d0db6e771a65f09a86e4d4aa3a19aefcc
DEST=${BUILD_DIR:-build}/wasm3
STAMP=$DEST/.version

die() { printf 'fetch-wasm3: error: %s\n' "$*" >&2; exit 1; }

if [ -n "${WASM3_SOURCE:-}" ]; then
  [ -f "$WASM3_SOURCE/wasm3.h" ] && [ -f "$WASM3_SOURCE/m3_env.c" ] ||
    die "WASM3_SOURCE=$WASM3_SOURCE has no wasm3.h and m3_env.c: point it at wasm3's source/ folder"
  want="local:$(cd "$WASM3_SOURCE" && pwd)"
else
  want="pypi:$PKG:$SHA256"
fi
[ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && exit 0

rm -rf "$DEST" && mkdir -p "$DEST/source"
if [ -n "${WASM3_SOURCE:-}" ]; then
  cp "$WASM3_SOURCE"/*.[ch] "$DEST/source/"
else
  dl=$DEST/download; mkdir -p "$dl"
  printf 'fetch-wasm3: wasm3 %s from PyPI (%s)\n' "$WASM3_VERSION" "$PKG"
  if ! python3 -m pip download --quiet --no-deps --no-binary :all: \
       -d "$dl" "pywasm3==$WASM3_VERSION" >"$dl/pip.log" 2>&1 || [ ! -f "$dl/$PKG" ]; then
    cat "$dl/pip.log" >&2
    die "'python3 -m pip download --no-deps --no-binary :all: pywasm3==$WASM3_VERSION' failed.
  Fix the network or pip, or unpack wasm3 $WASM3_VERSION yourself and run:
    make WASM3_SOURCE=/path/to/wasm3/source"
  fi
  got=$(sha256sum "$dl/$PKG" | cut -d' ' -f1)
  [ "$got" = "$SHA256" ] || die "$PKG has sha256 $got, expected $SHA256: refusing to build with it"
  tar -xzf "$dl/$PKG" -C "$dl"
  cp "$dl/pywasm3-$WASM3_VERSION"/wasm3/*.[ch] "$DEST/source/"
  cp "$dl/pywasm3-$WASM3_VERSION/LICENSE" "$DEST/LICENSE"
  rm -rf "$dl"
fi
echo "$want" > "$STAMP"
