// The user's kernel. boot() calls main() on core 0 once all four cores are
// online; the other cores run idle() until the executor arrives.
import { println, print, printU64 } from "./arch/console";
import { memoryBytes } from "./arch/sys";
import { timerFrequency } from "./arch/cpu";
import { boardName, currentBoard } from "./board";
import { sizeUnit, sizeValue } from "./kernel/fmt";

export function main(): void {
  print("hello from TypeScript on ");
  println(boardName(currentBoard()));
  const ram = memoryBytes();
  print("memory: ");
  printU64(sizeValue(ram));
  print(" ");
  println(sizeUnit(ram));
  print("timer: ");
  printU64(timerFrequency());
  println(" Hz");
}
