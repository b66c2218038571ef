// For the editor, `make typecheck` and the async transform only: asc never
// reads this file. AssemblyScript's declarations have no Promise; an
// `async function f(): Promise<T>` needs one to type-check, and `await`
// needs a `then` to know what it gives. At build time the transform
// (tools/async/) turns each async function into a Future class and each
// await into a poll (docs/async.md); these declarations only make the
// editor see the same types: `await f()` gives T, and `await future` gives
// the future's `output` (void if it has none); and the result of an async
// function is a Future too (spawn it, put it in a Join, poll it by hand).
import type { Future } from "./kernel/exec/future";


/** Marks the editor's Promise, so that Output<> can tell it apart cheaply. */
declare const asyncResult: unique symbol;

declare global {
  /** What an async function gives: at build time a Future whose output is T (docs/async.md). */
  interface Promise<T> extends Future {
    readonly output: T;
    readonly [asyncResult]: T;
  }
  interface PromiseLike<T> {}
  /** What TypeScript's await gives for a generic T (as lib.es5.d.ts has it, which noLib leaves out). */
  type Awaited<T> = T extends null | undefined ? T
    : T extends object & { then(onfulfilled: infer F, ...args: infer _): any }
      ? F extends (value: infer V, ...args: infer _) => any ? Awaited<V> : never
      : T;
  /** for...of over arrays, which AssemblyScript lowers itself and its declarations leave out. */
  interface ArrayIterator<T> { next(): { done: boolean; value: T } }
  interface Array<T> { [Symbol.iterator](): ArrayIterator<T> }
  interface StaticArray<T> { [Symbol.iterator](): ArrayIterator<T> }
  interface PromiseConstructor {}
  var Promise: PromiseConstructor;
}

/**
 * What `await semaphore.permit()` gives the editor: the permit (at build
 * time the Permit itself), seen without its `then` so that await stops there.
 */
interface Held {
  readonly held: bool;
  release(): void;
  dispose(): void;
}
/** What `await mutex.lock()` gives the editor: the guard (the MutexGuard itself), as Held. */
interface Locked<T> extends Held {
  value: T;
  unlock(): void;
}
/**
 * What `await f` gives: f's `output` (void without one; an async function's
 * future is awaited in turn, as the build does: `await spawnJoin(f())` gives
 * what f returns). For Future itself,
 * `any`, so that every future stays assignable to Future (`then` would
 * otherwise make their callbacks incompatible).
 */
type Output<F> = Future extends F ? any
  // (by their own fields, not as classes: a class check would go through `then` again)
  : F extends { readonly runner: unknown; readonly what: infer H } ? (H extends { readonly [asyncResult]: infer V } ? V : H)   // a JoinHandle
  : F extends { readonly held: bool; readonly mutex: { value: infer V } } ? Locked<V>                                         // a MutexGuard
  : F extends { readonly held: bool; release(): void } ? Held                                                                  // a Permit
  : F extends { readonly output: infer R } ? R
  : void;

declare module "./kernel/exec/future" {
  interface Future {
    then(onfulfilled: (value: Output<this>) => void): void;
  }
}

export {};
