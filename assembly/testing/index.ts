// tspi/testing: for specs (test/*.spec.ts in a project, tests/spec/ here),
// which `tspi test` (make test-host) compiles with as-pect and runs in node
// against a recording fake of the host (tools/testing/fake-host.ts), not in
// QEMU. A spec reads back every host call it caused (trace, since), sets
// registers and the firmware's answers (setReg, setProperty), raises
// interrupts (raiseIrq), and moves a fake clock (advance, tick), so tests
// of drivers and of timing are exact and fast.
//
// Only specs may import it: its "fake" host module does not exist on a
// board, and a kernel that imports it does not build (its import check names
// fake.* as imports the host does not have).
export * from "./fake";
export { fresh, drain, tick } from "./run";
export * from "./i2c";
