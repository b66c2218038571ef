// The boot sequence against the recording fake host (tools/testing/fake-host.ts):
// the exact order of console lines and host calls.
import { boot, ONLINE } from "../../assembly/kernel/boot";
import { trace, reset } from "../../assembly/testing";
import { gcInit } from "../../assembly/kernel/mem/gc";

let mainRuns = 0;
let workerCore: u32 = 99;
function fakeMain(): void { mainRuns++; }
function fakeWorker(core: u32): void { workerCore = core; }

function fresh(cores: i32): void {
  gcInit();            // (as a spec's first allocation would: the traces are boot's own)
  reset(cores);
  store<u32>(ONLINE, 0);
}

describe("boot", () => {
  it("core 0 announces itself, waits for the others, then runs main", () => {
    fresh(4);
    mainRuns = 0;
    boot(0, fakeMain, fakeWorker);
    // +1 from core 0, then each wait lets one fake core arrive (3 waits). (The collector's
    // blocks, which core 0 makes first, gcInit, exist already here: making them takes no turn.)
    // Then the ARM's clock: the firmware is asked for its maximum (the fake has no answer, so no more).
    expect(trace()).toBe(
      "console: core 0 online\natomic.add32 1\natomic.wait32 1\natomic.wait32 2\natomic.wait32 3\nconsole: cores online: 4\nmailbox.call 36 bytes",
    );
    expect(mainRuns).toBe(1);
    expect(workerCore).toBe(99);
  });

  it("a secondary core announces itself and runs its worker, not main", () => {
    fresh(4);
    mainRuns = 0;
    boot(3, fakeMain, fakeWorker);
    expect(trace()).toBe("console: core 3 online\natomic.add32 1");
    expect(mainRuns).toBe(0);
    expect(workerCore).toBe(3);
  });

  it("counts the cores the host reports, not a constant", () => {
    fresh(2);
    boot(0, fakeMain, fakeWorker);
    expect(trace()).toBe("console: core 0 online\natomic.add32 1\natomic.wait32 1\nconsole: cores online: 2\nmailbox.call 36 bytes");
  });
});
