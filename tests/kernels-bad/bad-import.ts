// A kernel that imports a function the host does not have. The build's
// import check would refuse it, so the Makefile builds it without the check:
// the QEMU test makes sure the stub rejects it at boot with a clear message.
import "../../assembly/arch/sys";   // the abort handler asconfig.json names

// @ts-ignore: decorator
@external("cpu", "teleport")
declare function teleport(core: u32): void;

export function kernel_start(core: u32): void {
  teleport(core);
}
