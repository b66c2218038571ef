#!/usr/bin/env bash
# Fetches the Raspberry Pi GPU firmware (bootcode.bin, start*.elf,
# fixup*.dat) from Debian's raspi-firmware package at a pinned version,
# verified by sha256, and unpacks it with dpkg-deb -x (not installed) into
# build/firmware/ (ignored by git). Used by `make sdcard`.
#
# The package is "Architecture: all" in bookworm's non-free-firmware
# component; we take the .deb from the Debian archive's pool directly so the
# machine's apt sources do not matter. FIRMWARE_DEB=/path/to/the.deb uses a
# copy you already have (it must have the same sha256).
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=1.20220830+ds-1
DEB=raspi-firmware_${VERSION}_all.deb
URL=http://deb.debian.org/debian/pool/non-free-firmware/r/raspi-firmware/$DEB
SHA256=0094ced47a7fbb6a220ff83e7b43aa637a5d8f6802461e2e4e474597fb796f62
DEST=${BUILD_DIR:-build}/firmware
STAMP=$DEST/.version

die() { printf 'fetch-firmware: error: %s\n' "$*" >&2; exit 1; }

[ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$VERSION:$SHA256" ] && exit 0
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (Debian package dpkg)"

rm -rf "$DEST" && mkdir -p "$DEST"
if [ -n "${FIRMWARE_DEB:-}" ]; then
  cp "$FIRMWARE_DEB" "$DEST/$DEB" || die "cannot read FIRMWARE_DEB=$FIRMWARE_DEB"
else
  printf 'fetch-firmware: raspi-firmware %s from deb.debian.org\n' "$VERSION"
  python3 - "$URL" "$DEST/$DEB" <<'PY' || die "download of $URL failed.
  Fix the network, or download that file yourself and run:
    make sdcard FIRMWARE_DEB=/path/to/$DEB"
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=120) as r, open(sys.argv[2], "wb") as f:
    while True:
        b = r.read(1 << 20)
        if not b:
            break
        f.write(b)
PY
fi
got=$(sha256sum "$DEST/$DEB" | cut -d' ' -f1)
[ "$got" = "$SHA256" ] || die "$DEB has sha256 $got, expected $SHA256: not the pinned package"
dpkg-deb -x "$DEST/$DEB" "$DEST/root"
rm -f "$DEST/$DEB"
for f in bootcode.bin start.elf fixup.dat start4.elf fixup4.dat; do
  [ -f "$DEST/root/usr/lib/raspi-firmware/$f" ] || die "the package has no $f"
done
printf '%s' "$VERSION:$SHA256" > "$STAMP"
