// The boards this kernel runs on. One kernel8.img serves all of them; the
// stub detects the board at boot and the kernel asks which one it got.
// To add a board, see docs/boards.md.
import { boardId } from "../arch/sys";

export const enum Board {
  Unknown = 0,
  Pi3 = 1,
  Pi4 = 2,
}

// The board, asked of the host once per core (module globals are per core).
let board: Board = Board.Unknown;

function askHost(): Board {
  const id = boardId();
  board = id == 1 ? Board.Pi3 : id == 2 ? Board.Pi4 : Board.Unknown;
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

/** GPIO pins of the SoC: 54 on the BCM2837 (0-53), 58 on the BCM2711 (0-57). */
export function gpioPinCount(b: Board): u32 {
  return b == Board.Pi4 ? 58 : 54;
}

/**
 * How the SoC sets GPIO pull-up/down: the GPPUD + GPPUDCLK0/1 clocked
 * sequence on the BCM2837, a 2-bit field per pin in GPIO_PUP_PDN_CNTRL_REG0-3
 * on the BCM2711.
 */
export const enum PullScheme { Clocked = 0, PerPinField = 1 }
export function gpioPullScheme(b: Board): PullScheme {
  return b == Board.Pi4 ? PullScheme.PerPinField : PullScheme.Clocked;
}

/** The interrupt controller that peripheral interrupts go through. */
export const enum IrqController { Bcm2835 = 0, Gic400 = 1 }
export function irqController(b: Board): IrqController {
  return b == Board.Pi4 ? IrqController.Gic400 : IrqController.Bcm2835;
}

/**
 * Peripheral interrupt numbers (the VideoCore's 0-63; the same on both
 * SoCs; the GIC-400 sees number n as SPI 96 + n).
 */
export namespace Irq {
  export const SYSTEM_TIMER_1: u32 = 1;
  export const SYSTEM_TIMER_3: u32 = 3;
  export const GPIO_BANK_0: u32 = 49;
  export const GPIO_BANK_1: u32 = 50;
  export const GPIO_BANK_2: u32 = 51;
  /** gpio_int[3]: any pin of any bank. */
  export const GPIO_ANY: u32 = 52;
  export const UART0: u32 = 57;
}
