// The boards this kernel runs on. One kernel8.img serves all of them; the
// stub detects the board at boot and the kernel asks which one it got.
// To add a board, see docs/boards.md.
import { boardId } from "../arch/sys";

// Every fact of each board (bases, interrupts, pins, the LED) is in
// generated.ts, made from tools/boards/spec.ts: the drivers take their
// bases from there (gpioBase(currentBoard()), ...).
export * from "./generated";
import { Board, boardFromId } from "./generated";

// The board, asked of the host once per core (module globals are per core).
let board: Board = Board.Unknown;

function askHost(): Board {
  board = boardFromId(boardId());
  return board;
}

/** The board this kernel runs on. */
// @ts-ignore: decorator
@inline export function currentBoard(): Board {
  return board != Board.Unknown ? board : askHost();
}

/**
 * Behaves as board `b` from now on, on this core: the host tests use it to
 * drive either SoC's registers against a fake. A kernel never needs it.
 */
export function simulateBoard(b: Board): void { board = b; }
