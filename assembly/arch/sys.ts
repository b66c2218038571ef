// Panic, exit and the machine's identity (host module "sys").
import { sys as host } from "./host";

/** Stops the kernel on this core with `panic: core N: <message>`. Other cores go on. */
export function panic(message: string): void {
  host.panic(changetype<usize>(message), message.length, 0, 0, 0, 0);
  unreachable();
}

/** Ends the run: QEMU exits with `code` under -semihosting (tests); a board parks. */
export function exit(code: i32): void {
  host.exit(code);
  unreachable();
}

/** Board number as the host reports it (see board/index.ts). */
export function boardId(): u32 { return host.board(); }
/** RAM of the board in bytes. */
export function memoryBytes(): u64 { return host.memoryBytes(); }
/** Host ABI version the stub implements. */
export function hostAbiVersion(): u32 { return host.abiVersion(); }

/**
 * AssemblyScript's abort (assert, throw, failed bounds checks), wired in by
 * `--use abort=assembly/arch/sys/kernelAbort` in asconfig.json.
 */
export function kernelAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const msg = message !== null ? message : "abort";
  const file = fileName !== null ? fileName : "";
  host.panic(changetype<usize>(msg), msg.length, changetype<usize>(file), file.length, line, column);
  unreachable();
}
