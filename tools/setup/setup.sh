#!/usr/bin/env bash
# Installs what the build needs: Debian packages (cross compiler, picolibc,
# wabt, QEMU >= 9; mtools, dosfstools, fdisk, device-tree-compiler and
# gdb-multiarch for the SD card and debugging; chromium for the simulator's
# page test), the npm packages pinned in
# package-lock.json, and the wasm3 sources. (The GPU firmware for the SD
# card is fetched by tools/card/fetch-firmware.sh when make sdcard needs it.) Run by `make` when something is missing; safe to run again.
# As root it installs; otherwise it prints the exact commands to run.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

QEMU_MIN_MAJOR=9

qemu_ok() {
  local q=${QEMU:-qemu-system-aarch64} v
  command -v "$q" >/dev/null 2>&1 || return 1
  v=$("$q" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -n1)
  [ -n "$v" ] && [ "$v" -ge "$QEMU_MIN_MAJOR" ] || return 1
  "$q" -M help | grep -q '^raspi4b' || return 1
}

missing_apt=()
command -v aarch64-linux-gnu-gcc >/dev/null || missing_apt+=(gcc-aarch64-linux-gnu)
command -v aarch64-linux-gnu-ld >/dev/null || missing_apt+=(binutils-aarch64-linux-gnu)
[ -f /usr/lib/picolibc/aarch64-linux-gnu/picolibc.specs ] || missing_apt+=(picolibc-aarch64-linux-gnu)
command -v wasm-validate >/dev/null || missing_apt+=(wabt)
# make sdcard, make flash and make gdb (and their tests):
has() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
has mcopy || missing_apt+=(mtools)
has mkfs.fat || missing_apt+=(dosfstools)
has sfdisk || missing_apt+=(fdisk)
has dtc || missing_apt+=(device-tree-compiler)
has dpkg-deb || missing_apt+=(dpkg)
has gdb-multiarch || missing_apt+=(gdb-multiarch)
# the simulator's page, tested in a real browser (tests/host/sim-page.test.ts):
has chromium || missing_apt+=(chromium)
# the unit tests of the stub's C (tests/cunit), compiled for this machine:
has gcc || missing_apt+=(gcc libc6-dev)
need_qemu=0; qemu_ok || need_qemu=1

if [ ${#missing_apt[@]} -gt 0 ] || [ $need_qemu = 1 ]; then
  backports=0; codename=""
  if [ -r /etc/os-release ]; then . /etc/os-release; codename=${VERSION_CODENAME:-}; fi
  # Debian 12's own QEMU is 7.2, which has no raspi4b: take it from backports.
  [ $need_qemu = 1 ] && [ "$codename" = bookworm ] && backports=1
  cmds=()
  if [ $backports = 1 ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    cmds+=("printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main non-free-firmware\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > /etc/apt/sources.list.d/bookworm-backports.sources")
  fi
  cmds+=("apt-get update")
  [ ${#missing_apt[@]} -gt 0 ] && cmds+=("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing_apt[*]}")
  if [ $need_qemu = 1 ]; then
    if [ $backports = 1 ]; then
      cmds+=("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -t bookworm-backports qemu-system-arm")
    else
      cmds+=("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends qemu-system-arm")
    fi
  fi
  if [ "$(id -u)" != 0 ] || [ -n "${SETUP_CHECK_ONLY:-}" ]; then
    say "missing: ${missing_apt[*]} $([ $need_qemu = 1 ] && echo "qemu-system-arm>=$QEMU_MIN_MAJOR (with raspi4b)")"
    say "run these as root, then run make again:"
    for c in "${cmds[@]}"; do printf '  sudo sh -c %q\n' "$c"; done
    exit 1
  fi
  LOGF=${BUILD_DIR:-build}/setup.log; mkdir -p "$(dirname "$LOGF")"
  for c in "${cmds[@]}"; do say "$c"; sh -c "$c" >"$LOGF" 2>&1 || { cat "$LOGF" >&2; die "'$c' failed (log above)"; }; done
  rm -f "$LOGF"
  qemu_ok || die "QEMU >= $QEMU_MIN_MAJOR with the raspi4b machine is still missing after the install; set QEMU=/path/to/qemu-system-aarch64"
fi

if [ -n "${SETUP_CHECK_ONLY:-}" ]; then say "the Debian packages are all there (cross compiler, picolibc, wabt, QEMU with raspi4b, SD card and gdb tools)"; exit 0; fi

# npm packages, exactly as pinned in package-lock.json (in a kernel's own
# project, tspi is itself one of its npm packages: npm installed them).
if [ -z "${TSPI_PROJECT:-}" ] && { [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  command -v npm >/dev/null || die "npm is missing: install Node.js 18 or newer (Debian: apt-get install nodejs npm)"
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

tools/setup/fetch-wasm3.sh
