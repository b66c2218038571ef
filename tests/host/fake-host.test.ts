// The specs' fake host (tools/testing/fake-host.ts) against the ABI spec: a
// function the spec has and the fake lacks is otherwise found only when a
// spec's kernel imports it, as a LinkError from as-pect with no word of
// which file to change (it happened when host ABI 11 added cpu.watch).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ABI } from "../../tools/abi/spec.js";
import { createFakeHost } from "../../tools/testing/fake-host.js";

describe("the specs' fake host (tools/testing/fake-host.ts)", () => {
  it("answers every function of the host ABI (tools/abi/spec.ts)", () => {
    const host = createFakeHost(() => new WebAssembly.Memory({ initial: 1 })) as unknown as Record<string, Record<string, unknown> | undefined>;
    const missing = ABI.flatMap((m) => m.functions.filter((f) => typeof host[m.module]?.[f.name] !== "function").map((f) => `${m.module}.${f.name}`));
    assert.deepEqual(missing, [], "add these to tools/testing/fake-host.ts");
  });
});
