// Example: a weather station. Four parts on I2C bus 1 and the screen:
//   - a TMP105 temperature sensor (0x48), sampled every second;
//   - a DS1338 real-time clock (0x68), which sets the time of day at start
//     (Date.now() from then on; without it, the time since boot);
//   - a 24C32 EEPROM (0x50, 4 KiB), a log of every sample with its time: a
//     ring of 256 records of 16 bytes, read back at start, so it survives a
//     reboot;
//   - the screen: the last 120 samples as a chart, the time and the
//     temperature now in text.
// And a shell on the UART: now, log [n], clear, sync, help.
//
//   make build/examples/weather.img, then boot it with the parts attached
//   (docs/drivers/parts.md, "A weather station", has QEMU's arguments;
//   without them the example says what is missing and goes on)
import {
  print, println, banner, spawn, Interval, Mutex, uart, i2c, I2cError, screen, Screen, TRANSPARENT,
  Tmp105, Eeprom24c, Ds1338, clock, ClockError,
} from "tspi";

// ---- the log in the EEPROM --------------------------------------------------
// A record, 16 bytes, little-endian: sequence number (u32, one more each
// record: the largest is the newest), time (u32, seconds since 1970),
// temperature (i32, thousandths of a degree), a marker (0x5aa5) and a
// checksum (u16: the sum of the first 14 bytes plus 0x1234, so neither an
// erased slot, all 0xff, nor a zeroed one reads as a record).

const ROM_BYTES: u32 = 4096;
const RECORD: u32 = 16;
const SLOTS: u32 = ROM_BYTES / RECORD;
const MARKER: u32 = 0x5aa5;

class Sample {
  constructor(public seconds: u32, public milli: i32) {}
}

function checksum(b: Uint8Array, at: i32): u32 {
  let sum: u32 = 0x1234;
  for (let i = 0; i < 14; i++) sum += b[at + i];
  return sum & 0xffff;
}

function u32At(b: Uint8Array, at: i32): u32 {
  return <u32>b[at] | (<u32>b[at + 1] << 8) | (<u32>b[at + 2] << 16) | (<u32>b[at + 3] << 24);
}

function putU32(b: Uint8Array, at: i32, v: u32): void {
  b[at] = <u8>v; b[at + 1] = <u8>(v >> 8); b[at + 2] = <u8>(v >> 16); b[at + 3] = <u8>(v >> 24);
}

/** Whether the 16 bytes at `at` are a record. */
function isRecord(b: Uint8Array, at: i32): bool {
  return (<u32>b[at + 12] | (<u32>b[at + 13] << 8)) == MARKER && (<u32>b[at + 14] | (<u32>b[at + 15] << 8)) == checksum(b, at);
}

class Log {
  /** The slot the next record goes to, its sequence number, and how many slots hold records. */
  next: u32 = 0;
  seq: u32 = 1;
  count: u32 = 0;
  /** The last call's bus error. */
  error: I2cError = I2cError.None;
  private one: Uint8Array = new Uint8Array(RECORD);

  constructor(public rom: Eeprom24c) {}

  /** Reads the whole ring and finds the newest record; `recent` gets up to `keep` samples, oldest first. */
  async load(recent: Array<Sample>, keep: i32): Promise<I2cError> {
    const all = new Uint8Array(ROM_BYTES);
    const err = await this.rom.read(0, all);
    if (err != I2cError.None) return err;
    let newest: i32 = -1, newestSeq: u32 = 0, count: u32 = 0;
    for (let s = 0; s < <i32>SLOTS; s++) {
      if (!isRecord(all, s * RECORD)) continue;
      count++;
      const q = u32At(all, s * RECORD);
      if (newest < 0 || <i32>(q - newestSeq) > 0) { newest = s; newestSeq = q; }   // (a sequence number that wrapped is still newer)
    }
    this.count = count;
    if (newest < 0) { this.next = 0; this.seq = 1; return I2cError.None; }
    this.next = (<u32>newest + 1) % SLOTS;
    this.seq = newestSeq + 1;
    // the samples before it, newest last, as long as the sequence runs on without a gap
    let from = newest, n = 1;
    while (n < keep && n < <i32>count) {
      const prev = (from + <i32>SLOTS - 1) % <i32>SLOTS;
      if (!isRecord(all, prev * RECORD) || u32At(all, prev * RECORD) != u32At(all, from * RECORD) - 1) break;
      from = prev; n++;
    }
    for (let i = 0; i < n; i++) {
      const at = ((from + i) % <i32>SLOTS) * RECORD;
      recent.push(new Sample(u32At(all, at + 4), <i32>u32At(all, at + 8)));
    }
    return I2cError.None;
  }

  /** Writes one record in the next slot. */
  async append(s: Sample): Promise<I2cError> {
    const b = this.one;
    putU32(b, 0, this.seq);
    putU32(b, 4, s.seconds);
    putU32(b, 8, <u32>s.milli);
    b[12] = <u8>MARKER; b[13] = <u8>(MARKER >> 8);
    const sum = checksum(b, 0);
    b[14] = <u8>sum; b[15] = <u8>(sum >> 8);
    const err = await this.rom.write(this.next * RECORD, b);
    if (err != I2cError.None) return err;
    this.next = (this.next + 1) % SLOTS;
    this.seq++;
    if (this.count < SLOTS) this.count++;
    return I2cError.None;
  }

  /** The last `n` records, read back from the EEPROM, oldest first (null on a bus error). */
  async last(n: u32): Promise<Array<Sample> | null> {
    const out = new Array<Sample>();
    const k: u32 = min(n, this.count);
    for (let i: u32 = 0; i < k; i++) {
      const slot: u32 = (this.next + SLOTS - k + i) % SLOTS;
      this.error = await this.rom.read(slot * RECORD, this.one);
      if (this.error != I2cError.None) return null;
      if (isRecord(this.one, 0)) out.push(new Sample(u32At(this.one, 4), <i32>u32At(this.one, 8)));
    }
    return out;
  }

  /** Erases every slot (0xff, as a new part). */
  async clear(): Promise<I2cError> {
    const blank = new Uint8Array(ROM_BYTES);
    blank.fill(0xff);
    const err = await this.rom.write(0, blank);
    if (err == I2cError.None) { this.next = 0; this.count = 0; }   // (seq goes on: an old record never outranks a new one)
    return err;
  }
}

// ---- text ---------------------------------------------------------------------

/** Thousandths of a degree as degrees with two decimals: 23438 -> "23.44". */
function celsius(milli: i32): string {
  const neg = milli < 0;
  const hundredths = (<i32>Math.abs(<f64>milli) + 5) / 10;
  const frac = hundredths % 100;
  return (neg ? "-" : "") + (hundredths / 100).toString() + "." + (frac < 10 ? "0" : "") + frac.toString();
}

/** A time in milliseconds since 1970 as 2026-12-06 08:06:34 (UTC). */
function stamp(ms: i64): string {
  const iso = new Date(ms).toISOString();
  return iso.substring(0, 10) + " " + iso.substring(11, 19);
}

// ---- the chart ----------------------------------------------------------------

const POINTS = 120;
const BG: u32 = 0x101820, FRAME: u32 = 0x607080, LINE: u32 = 0x40c0ff, TEXT: u32 = 0xe0e0e0;
/** The chart's area on the 640x480 screen (tests/qemu/examples.test.ts looks for the line in it). */
const X0 = 80, Y0 = 96, W = 528, H = 320;

class Chart {
  values: StaticArray<i32> = new StaticArray<i32>(POINTS);
  count: i32 = 0;
  private head: i32 = 0;

  add(milli: i32): void {
    this.values[this.head] = milli;
    this.head = (this.head + 1) % POINTS;
    if (this.count < POINTS) this.count++;
  }

  /** The i-th value kept, 0 the oldest. */
  at(i: i32): i32 { return this.values[(this.head - this.count + i + POINTS) % POINTS]; }

  draw(s: Screen, nowMs: i64, timeSet: bool): void {
    s.clear(BG);
    s.text(24, 16, "weather station", 0xffcc33, TRANSPARENT, 2);
    s.text(24, 52, stamp(nowMs) + (timeSet ? " UTC" : " since boot"), TEXT);
    if (this.count > 0) s.text(400, 40, celsius(this.at(this.count - 1)) + " C", 0xffffff, TRANSPARENT, 3);
    s.rect(X0 - 1, Y0 - 1, W + 2, H + 2, FRAME);
    if (this.count > 0) {
      let lo = this.at(0), hi = lo;
      for (let i = 1; i < this.count; i++) { const v = this.at(i); if (v < lo) lo = v; if (v > hi) hi = v; }
      if (hi - lo < 1000) { const mid = (hi + lo) / 2; lo = mid - 500; hi = mid + 500; }   // at least a degree tall
      s.text(8, Y0, celsius(hi), TEXT);
      s.text(8, Y0 + H - 8, celsius(lo), TEXT);
      let px = 0, py = 0;
      for (let i = 0; i < this.count; i++) {
        const x = X0 + i * (W - 1) / (POINTS - 1);
        const y = Y0 + H - 1 - <i32>(<i64>(this.at(i) - lo) * (H - 1) / <i64>(hi - lo));
        if (i > 0) s.line(px, py, x, y, LINE); else if (this.count == 1) s.fillRect(x, y - 1, 2, 2, LINE);
        px = x; py = y;
      }
    }
    s.text(X0, Y0 + H + 12, "the last " + POINTS.toString() + " samples, one a second", 0x80a0c0);
    s.present();
  }
}

// ---- the tasks ----------------------------------------------------------------

/** What the tasks share: the log (one task at a time on it), the chart, the latest sample. */
class Station {
  latest: Sample | null = null;
  chart: Chart = new Chart();
  constructor(public log: Mutex<Log>, public sensor: Tmp105, public rtc: Ds1338, public display: Screen | null) {}
}

async function sampler(st: Station): Promise<void> {
  const every = new Interval(1000);
  let shown: i32 = i32.MIN_VALUE;
  let failing = false;
  while (true) {
    const r = await st.sensor.sample();
    const now: i64 = Date.now();
    if (r) {
      failing = false;
      const s = new Sample(<u32>(now / 1000), <i32>Math.round(r!.temperature * 1000));
      st.latest = s;
      st.chart.add(s.milli);
      const g = await st.log.lock();
      const err = await g.value.append(s);
      g.unlock();
      if (err != I2cError.None) println("weather: the log could not be written: " + i2c.errorName(err));
    } else if (!failing) {
      failing = true;
      println("weather: the sensor does not answer: " + i2c.errorName(st.sensor.error));
    }
    const d = st.display;
    if (d) st.chart.draw(d, now, clock.isSet());
    // a new temperature is said once the screen shows it
    const l = st.latest;
    if (r && l && l.milli != shown) { println("weather: " + celsius(l.milli) + " C at " + stamp(now)); shown = l.milli; }
    await every;
  }
}

async function shell(port: uart.Port, st: Station): Promise<void> {
  println("weather: type help and Enter");
  while (true) {
    print("> ");
    const line = await port.readLine();
    if (line == "help") {
      println("commands: now, log [n], clear, sync, help");
    } else if (line == "now") {
      const s = st.latest;
      println("now: " + stamp(Date.now()) + (clock.isSet() ? " UTC" : " since boot") + (s ? ", " + celsius(s.milli) + " C" : ", no sample yet"));
    } else if (line == "log" || line.startsWith("log ")) {
      const n: i32 = line.length > 4 ? <i32>parseInt(line.substring(4)) : 5;
      if (n <= 0) { println("log: give a positive number"); continue; }
      const g = await st.log.lock();
      const count: u32 = g.value.count;
      const recs = await g.value.last(<u32>n);
      const err = g.value.error;
      g.unlock();
      if (!recs) { println("log: the EEPROM did not answer: " + i2c.errorName(err)); continue; }
      println("log: " + count.toString() + " records in the EEPROM; the last " + recs.length.toString() + ":");
      for (let i = 0; i < recs.length; i++) println("log: " + stamp(<i64>recs[i].seconds * 1000) + " " + celsius(recs[i].milli) + " C");
    } else if (line == "clear") {
      const g = await st.log.lock();
      const err = await g.value.clear();
      g.unlock();
      println(err == I2cError.None ? "clear: the log is empty" : "clear: " + i2c.errorName(err));
    } else if (line == "sync") {
      const e = await clock.syncFromRtc(st.rtc);
      println("sync: " + clock.errorName(e) + (e == ClockError.Bus ? " (" + i2c.errorName(st.rtc.error) + ")" : "") + "; now " + stamp(Date.now()));
    } else if (line.length > 0) {
      println("unknown command: " + line + " (try help)");
    }
  }
}

async function start(port: uart.Port): Promise<void> {
  const bus = i2c.open(1);
  // the time of day, from the clock
  const rtc = new Ds1338(bus);
  const synced = await clock.syncFromRtc(rtc);
  if (synced == ClockError.None) println("weather: the time from the real-time clock: " + stamp(Date.now()) + " UTC");
  else println("weather: no time from the real-time clock (" + clock.errorName(synced) + "): the time since boot");
  // the sensor: 12 bits, a sixteenth of a degree
  const sensor = new Tmp105(bus);
  const err = await sensor.configure(12);
  if (err != I2cError.None) println("weather: the sensor does not answer: " + i2c.errorName(err));
  // the log, read back
  const log = new Log(new Eeprom24c(bus, 0x50, ROM_BYTES, 32));
  const recent = new Array<Sample>();
  const loaded = await log.load(recent, POINTS);
  if (loaded != I2cError.None) println("weather: the log could not be read: " + i2c.errorName(loaded));
  else if (recent.length == 0) println("weather: the log holds 0 records");
  else {
    const last = recent[recent.length - 1];
    println("weather: the log holds " + log.count.toString() + " records; the last: " + stamp(<i64>last.seconds * 1000) + " " + celsius(last.milli) + " C");
  }
  // the screen
  const display = screen.open(640, 480, true);
  if (!display) println("weather: no screen: " + screen.lastError());
  const st = new Station(new Mutex<Log>(log), sensor, rtc, display);
  for (let i = 0; i < recent.length; i++) st.chart.add(recent[i].milli);
  spawn(sampler(st));
  spawn(shell(port, st));
}

export function main(): void {
  banner();
  uart.configure(115200);
  spawn(start(uart.open(0)));
}
