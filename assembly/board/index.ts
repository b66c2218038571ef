// The boards this kernel runs on. One kernel8.img serves all of them; the
// stub detects the board at boot and the kernel asks which one it got.
// To add a board, see docs/boards.md.
import { boardId } from "../arch/sys";

export const enum Board {
  Unknown = 0,
  Pi3 = 1,
  Pi4 = 2,
}

export function currentBoard(): Board {
  const id = boardId();
  return id == 1 ? Board.Pi3 : id == 2 ? Board.Pi4 : Board.Unknown;
}

/** Human name of a board, as the banner prints it. */
export function boardName(b: Board): string {
  switch (b) {
    case Board.Pi3: return "Raspberry Pi 3 (BCM2837)";
    case Board.Pi4: return "Raspberry Pi 4 (BCM2711)";
    default: return "unknown board";
  }
}

/** Base of the SoC's peripherals as the ARM cores see them. */
export function peripheralBase(b: Board): u32 {
  return b == Board.Pi4 ? 0xfe000000 : 0x3f000000;
}
