// What asc provides and AssemblyScript's own declarations
// (node_modules/assemblyscript/std/assembly/index.d.ts) leave out, so that tsc
// and the editor (assembly/tsconfig.json) see the kernel as asc does. Types
// only: nothing imports this file, asc never reads it.

/**
 * asc's builtin (std/assembly/rt.ts): calls the runtime's
 * `__visit(ref, cookie)` for each reference field of the object at `ref`
 * (the code is generated per class). The kernel's runtime.ts forwards
 * `__visit` to the collector's marking (kernel/mem/gc.ts) or to scope.ts's `visit`.
 */
declare function __visit_members(ref: usize, cookie: u32): void;
/** asc's builtin: calls `__visit(value, cookie)` for every module variable that holds a reference (the collector's roots, kernel/mem/gc.ts). */
declare function __visit_globals(cookie: u32): void;
/** The runtime's write barrier (kernel/mem/runtime.ts), which asc calls on every reference store into an object; AtomicRef calls it for the stores asc does not see. */
declare function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void;
/** asc's builtin: the address of the runtime type table; its first u32 is how many class ids the program has (the collector checks a static object's id against it). */
declare const __rtti_base: usize;

/**
 * std/assembly/arraybuffer.ts: the abstract base class of the typed arrays
 * and DataView. AssemblyScript's declarations give only its interface; the
 * class is what `x instanceof ArrayBufferView` (lifetime.ts) tests against.
 */
declare abstract class ArrayBufferView {}
