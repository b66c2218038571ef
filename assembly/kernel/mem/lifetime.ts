// Freeing early. Objects nobody can reach are freed by the collector
// (kernel/mem/gc.ts) at a poll boundary; these free one now, from any core,
// for hot paths and hard real-time code. Nothing requires them.
//
//   dispose(obj)     releases `obj` and the storage the standard library
//                    keeps behind it (an Array's or typed array's buffer, a
//                    Map's or Set's tables). If obj's class has a
//                    `dispose(): void` method, that runs first: release the
//                    objects it owns there. Elements of arrays and maps are
//                    not released (they may be shared): disposeAll does that.
//   disposeAll(arr)  disposes every element, then the array.
//
//   enterScope / exitScope / scoped / keep (scope.ts): free everything a
//                    piece of code made, temporaries included.
//
// After dispose, the reference is dangling: using it is a use-after-free.
// Releasing the same object twice, or something `new` never made, ends in
// `panic: core N: free of 0x...: double free` (or "was not allocated").
import { heapFree, heapSizeOf } from "./tlsf";
import { kernelHeap } from "./heap";
import { forget } from "./scope";
export { enterScope, exitScope, scoped, keep, inScope } from "./scope";

// @ts-ignore: decorator
@inline const OBJECT_HEADER: usize = 16;

/** Releases the single allocation of an object (not what it points to). */
export function releaseObject(ref: usize): void {
  if (!ref) return;
  forget(ref);
  heapFree(kernelHeap(), ref - OBJECT_HEADER);
}

/** Releases `obj` and the buffers the standard library hides in it. null is ignored. */
export function dispose<T>(obj: T): void {
  if (!isReference<T>()) ERROR("dispose() takes an object");
  const ref = changetype<usize>(obj);
  if (!ref) return;
  if (isString<T>()) {
    releaseObject(ref);
    return;
  }
  // @ts-ignore: compile-time check for a user-defined dispose()
  if (isDefined(obj.dispose)) {
    // @ts-ignore
    changetype<NonNullable<T>>(ref).dispose();
  }
  if (isArray<T>() || obj instanceof ArrayBufferView) {
    // Array<U> and the typed arrays keep their elements in an ArrayBuffer
    // held in their first field.
    releaseObject(load<usize>(ref));
  } else if (obj instanceof Map || obj instanceof Set) {
    // buckets and entries: the first and third fields (std/assembly/map.ts, set.ts).
    releaseObject(load<usize>(ref));
    releaseObject(load<usize>(ref, sizeof<usize>() * 2));
  }
  releaseObject(ref);
}

/**
 * Heap bytes one object takes: its fields, the 16-byte object header, the
 * heap's 16-byte block header, rounding and (with assertions) the canary.
 * Not what it points to.
 */
export function heapBytesOf<T>(obj: T): usize {
  const ref = changetype<usize>(obj);
  return ref ? ((heapSizeOf(kernelHeap(), ref - OBJECT_HEADER) + 16 + 8 + 15) & ~15) : 0;
}

/** Disposes every element of `arr`, then `arr` itself. */
export function disposeAll<T>(arr: Array<T>): void {
  for (let i = 0, n = arr.length; i < n; i++) dispose<T>(unchecked(arr[i]));
  dispose(arr);
}
