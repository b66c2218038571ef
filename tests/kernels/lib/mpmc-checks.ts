// 4 producers x N messages through one Channel of 64 slots to 4 consumers,
// one producer and one consumer on each core (tests/kernels/mpmc.ts at make
// test's volume, tests/soak/mpmc-soak.ts at the soak's). Each message is
// producer * 1,000,000 + sequence number; the consumers add up a count, a
// sum and a sum of squares (mod 2^64), so a lost or duplicated message
// changes the result. The last producer to finish sends four stop markers;
// each consumer stops at the first one it receives.
import * as atomic from "../../../assembly/arch/atomic";
import { exit } from "../../../assembly/arch/sys";
import { print, println, printU64 } from "../../../assembly/arch/console";
import { Task, Context, spawnOn, runUntil, Channel, ChannelSend, ChannelRecv } from "../../../assembly/kernel/exec";

const COUNT = memory.data(8, 8);
const SUM = memory.data(8, 8);
const SQUARES = memory.data(8, 8);
const FINISHED = memory.data(4, 4);

const PRODUCERS_DONE = memory.data(4, 4);

class Producer extends Task {
  seq: u32 = 0;
  perProducer: u32;
  stops: u32 = 0;
  send: ChannelSend<u32>;
  constructor(public id: u32, ch: Channel<u32>, perProducer: u32) { super(); this.perProducer = perProducer; this.send = ch.send(id * 1_000_000); }
  poll(cx: Context): bool {
    while (this.seq < this.perProducer) {
      if (!this.send.poll(cx)) return false;
      this.seq++;
      this.send.value = this.id * 1_000_000 + this.seq; this.send.reset();
    }
    // The last producer to finish sends one stop marker per consumer; each
    // consumer stops at the first it gets, so each takes exactly one.
    if (this.seq == this.perProducer) {
      this.seq++;
      this.stops = atomic.add32(PRODUCERS_DONE, 1) + 1 == 4 ? 4 : 0;
      this.send.value = 0xffffffff; this.send.reset();
    }
    while (this.stops > 0) {
      if (!this.send.poll(cx)) return false;
      this.stops--;
      this.send.value = 0xffffffff; this.send.reset();
    }
    atomic.add32(FINISHED, 1);
    return true;
  }
}

class Consumer extends Task {
  count: u64 = 0;
  sum: u64 = 0;
  squares: u64 = 0;
  recv: ChannelRecv<u32>;
  constructor(ch: Channel<u32>) { super(); this.recv = ch.recv(); }
  poll(cx: Context): bool {
    while (true) {
      if (!this.recv.poll(cx)) return false;
      const v = this.recv.value;
      this.recv.reset();
      if (v == 0xffffffff) break;        // stop
      this.count++;
      this.sum += <u64>v;
      this.squares += <u64>v * <u64>v;
    }
    atomic.add64(COUNT, this.count);
    atomic.add64(SUM, this.sum);
    atomic.add64(SQUARES, this.squares);
    atomic.add32(FINISHED, 1);
    return true;
  }
}

function done(): bool { return atomic.load32(FINISHED) == 8; }

/** The check with `perProducer` messages from each producer (under 1,000,000: a message names its producer in the millions); exits 0 when it holds. */
export function mpmc(perProducer: u32): void {
  const ch = new Channel<u32>(64);
  for (let c: u32 = 0; c < 4; c++) {
    spawnOn(c, new Producer(c + 1, ch, perProducer));
    spawnOn(c, new Consumer(ch));
  }
  runUntil(done);
  // What the totals must be: sum over p = 1..4 and s = 0..N-1 of p*10^6 + s.
  let sum: u64 = 0, squares: u64 = 0;
  for (let p: u64 = 1; p <= 4; p++) for (let s: u64 = 0; s < <u64>perProducer; s++) { const v = p * 1_000_000 + s; sum += v; squares += v * v; }
  const count = atomic.load64(COUNT);
  print("mpmc: "); printU64(count); print(" messages, sum "); printU64(atomic.load64(SUM)); print(" (expected "); printU64(sum);
  print("), squares "); println(atomic.load64(SQUARES) == squares ? "match" : "DIFFER");
  const ok = count == 4 * <u64>perProducer && atomic.load64(SUM) == sum && atomic.load64(SQUARES) == squares;
  print("producer waits for room: "); printU64(ch.sendWaits); println("");
  println(ok ? "mpmc test: ok" : "mpmc test: FAILED");
  exit(ok ? 0 : 1);
}
