#!/usr/bin/env bash
# make gdb [BOARD=pi3|pi4] [BACKEND=aot]: boots build/kernel8.img (or
# build/aot/kernel8.img) in QEMU paused at the first instruction, with QEMU's
# gdb server on localhost:1234, and attaches gdb-multiarch with the kernel's
# symbols (the .elf beside the image). The serial
# console goes to build/serial.log (watch it with: tail -f build/serial.log).
# QEMU stops when gdb exits. See docs/hardware.md, "Debugging with gdb".
# GDB_SCRIPT=file runs gdb in batch mode with those commands (the tests).
set -euo pipefail
cd "$(dirname "$0")/../.."

BOARD=${1:-pi3}
IMAGE=${2:-build/kernel8.img}
ELF=${IMAGE%.img}.elf
case "$BOARD" in
  pi3) MACHINE=raspi3b ;;
  pi4) MACHINE=raspi4b ;;
  *) echo "gdb: unknown board '$BOARD': valid boards are pi3 pi4" >&2; exit 2 ;;
esac
QEMU=${QEMU:-qemu-system-aarch64}
GDB=${GDB:-gdb-multiarch}
PORT=${GDB_PORT:-1234}
command -v "$GDB" >/dev/null || { echo "gdb: $GDB is missing: run make setup (Debian package gdb-multiarch), or set GDB=" >&2; exit 127; }
[ -f "$ELF" ] || { echo "gdb: $ELF is missing: run make" >&2; exit 2; }

LOG=${SERIAL_LOG:-build/serial.log}
: > "$LOG"
# setsid: QEMU in a session of its own, out of the terminal's foreground
# process group, so Ctrl-C reaches gdb (which stops the guest) and not
# QEMU (which would end on SIGINT and take the gdb connection with it).
setsid "$QEMU" -M "$MACHINE" -kernel "$IMAGE" -semihosting -display none -monitor none \
  -serial "file:$LOG" -gdb "tcp::$PORT" -S &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT
echo "gdb: QEMU $MACHINE paused, gdb server on :$PORT, serial console in $LOG"
echo "gdb: each core is a gdb thread: 'info threads', 'thread 2' (core 1), 'continue', Ctrl-C to stop"
batch=()
[ -n "${GDB_SCRIPT:-}" ] && batch=(-batch -x "$GDB_SCRIPT")
"$GDB" -q "$ELF" \
  -ex "set architecture aarch64" \
  -ex "target remote localhost:$PORT" \
  "${batch[@]}"
