// The boards the tools know (make BOARD=..., the QEMU runner, the tests),
// from the one description, tools/boards/spec.ts. The Makefile's BOARDS
// list must name the same ones (a host test checks it).
import { SOCS } from "./spec.js";

export interface BoardInfo {
  name: string;
  machine: string;
  title: string;
}

export const BOARDS: BoardInfo[] = SOCS.map((s) => ({ name: s.name, machine: s.qemu[0], title: `${s.family} (${s.soc})` }));

export function findBoard(name: string): BoardInfo {
  const b = BOARDS.find((x) => x.name === name);
  if (!b) throw new Error(`unknown board '${name}': valid boards are ${BOARDS.map((x) => x.name).join(" ")}`);
  return b;
}
