// The boards the tools know, and the QEMU machine for each. The Makefile's
// BOARDS list must name the same ones (a host test checks it).
export interface BoardInfo {
  name: string;
  machine: string;
  title: string;
}

export const BOARDS: BoardInfo[] = [
  { name: "pi3", machine: "raspi3b", title: "Raspberry Pi 3 (BCM2837)" },
  { name: "pi4", machine: "raspi4b", title: "Raspberry Pi 4 (BCM2711)" },
];

export function findBoard(name: string): BoardInfo {
  const b = BOARDS.find((x) => x.name === name);
  if (!b) throw new Error(`unknown board '${name}': valid boards are ${BOARDS.map((x) => x.name).join(" ")}`);
  return b;
}
