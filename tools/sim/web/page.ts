// The simulator's page (make sim, tspi sim; docs/simulator.md): the kernel
// on four browser workers, the 40-pin header to drive and watch, the LED,
// the display (once the kernel asks the firmware for a framebuffer), a
// terminal on the UART and the four cores. A new kernel.wasm (make in
// another terminal, or one dropped on the page) is a push: the board
// starts again with it.
import { Pi, ModuleError, type BoardName, type SpawnCore } from "../pi.js";
import { HEADER } from "./header.js";
import { Tmp105 } from "../devices/tmp105.js";
import { Eeprom24c } from "../devices/eeprom.js";
import { RunningDs1338 } from "../devices/ds1338.js";
import { W25q80 } from "../devices/w25q80.js";

// The parts on BSC1 (the header's pins 3 and 5), wired as on a board: they
// stay across pushes (the EEPROM keeps its bytes) and are attached to each
// kernel the page boots. The TMP105's temperature is the slider's.
const sensor = new Tmp105(), rom = new Eeprom24c(4096), rtc = new RunningDs1338(new Date());
const PARTS: [number, Tmp105 | Eeprom24c | RunningDs1338][] = [[0x48, sensor], [0x50, rom], [0x68, rtc]];
// On SPI0's CE0 (GPIO 8, header pin 24): a W25Q80 flash, which keeps its bytes across pushes too.
const flash = new W25q80();

const spawnWeb: SpawnCore = (start, failed, message) => {
  const w = new Worker(new URL("./core-web.js", import.meta.url), { type: "module" });
  w.onerror = (e) => failed(new Error(e.message));
  w.onmessage = (e) => message(e.data);
  w.postMessage(start);
  return w;
};

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const board: BoardName = params.get("board") === "pi4" ? "pi4" : "pi3";
let pi: Pi | null = null;
let shown = 0;
let generation = 0;

/**
 * Boots `bytes` (a kernel.wasm) the first time, then pushes each new one
 * as a board takes a push (pi.push): a module that is refused leaves the
 * running kernel running, and the board keeps its state (the parts on its
 * buses, the display, the pins).
 */
async function boot(bytes: Uint8Array, what: string): Promise<void> {
  const term = $("terminal");
  try {
    if (pi) {
      term.append(line(`-- push: ${what} --`, "note"));
      await pi.push(bytes);
    } else {
      pi = await Pi.boot(board, bytes, { time: "real", sourceMapUrl: `${location.origin}/kernel.wasm.map` }, spawnWeb);
      for (const [address, part] of PARTS) pi.i2c(1).attach(address, part);
      pi.spi(0).attach(flash, 0);
    }
    $("status").textContent = `${what} on a simulated Raspberry Pi ${board === "pi4" ? "4 (BCM2711)" : "3 (BCM2837)"}`;
    generation++;
  } catch (e) {
    const refused = e instanceof ModuleError;
    term.append(line(`${refused ? "push refused" : "the simulator failed"}: ${(e as Error).message}${refused && pi ? " (the kernel that ran goes on)" : ""}`, "panic"));
  }
}

function line(text: string, cls?: string): HTMLElement {
  const el = document.createElement("div");
  el.textContent = text;
  if (cls) el.className = cls;
  return el;
}

// ---- the terminal -------------------------------------------------------
function drawTerminal(): void {
  if (!pi) return;
  const out = pi.console;
  if (out.length === shown) return;
  const term = $("terminal");
  const text = out.slice(shown);
  shown = out.length;
  // Whole lines as rows (a panic in red); an unfinished one stays in the last row.
  const rows = text.split("\n");
  let last = term.lastElementChild as HTMLElement | null;
  rows.forEach((r, i) => {
    if (i === 0 && last && last.dataset.open === "1") { last.textContent += r; }
    else { last = line(r); term.append(last); }
    last!.dataset.open = i === rows.length - 1 ? "1" : "0";
    if (last!.textContent!.startsWith("panic:")) last!.className = "panic";
  });
  while (term.childElementCount > 2000) term.firstElementChild!.remove();
  term.scrollTop = term.scrollHeight;
}

$("terminal").addEventListener("keydown", (e) => {
  if (!pi) return;
  let s = "";
  if (e.key === "Enter") s = "\r";
  else if (e.key === "Backspace") s = "\x7f";
  else if (e.key === "Tab") s = "\t";
  else if (e.key === "Escape") s = "\x1b";
  else if (e.ctrlKey && e.key.length === 1) s = String.fromCharCode(e.key.toUpperCase().charCodeAt(0) & 0x1f);
  else if (e.key.length === 1 && !e.metaKey) s = e.key;
  if (!s) return;
  e.preventDefault();
  pi.uart.type(s);
});

// ---- the header ---------------------------------------------------------
function buildHeader(): void {
  const grid = $("header");
  HEADER.forEach((p, i) => {
    const el = document.createElement("button");
    el.className = `pin ${p.kind}`;
    el.dataset.physical = String(i + 1);
    el.dataset.help = el.title = p.kind === "gpio" ? `pin ${i + 1}: GPIO ${p.gpio}${p.also ? ` (${p.also})` : ""}: hold to pull it low (a button to ground); shift-click to drive it high, again to let go` : `pin ${i + 1}: ${p.kind.toUpperCase()}`;
    el.textContent = p.kind === "gpio" ? String(p.gpio) : p.kind === "gnd" ? "GND" : p.kind.toUpperCase();
    if (p.kind === "gpio") {
      el.id = `gpio-${p.gpio}`;
      const pin = () => pi?.gpio(p.gpio);
      el.addEventListener("pointerdown", (e) => {
        if (e.shiftKey) { const x = pin(); if (x) x.drive(el.dataset.drive === "high" ? undefined : true); el.dataset.drive = el.dataset.drive === "high" ? "" : "high"; return; }
        pin()?.press();
        el.dataset.drive = "low";
      });
      const up = () => { if (el.dataset.drive === "low") { pin()?.release(); el.dataset.drive = ""; } };
      el.addEventListener("pointerup", up);
      el.addEventListener("pointerleave", up);
    }
    grid.append(el);
  });
}

function drawPins(): void {
  if (!pi) return;
  for (const p of HEADER) {
    if (p.kind !== "gpio") continue;
    const el = $(`gpio-${p.gpio}`);
    const pin = pi.gpio(p.gpio);
    const pwm = pi.pwm(p.gpio);
    el.classList.toggle("high", !pwm && pin.level);
    el.classList.toggle("output", pin.isOutput || !!pwm);
    el.classList.toggle("pwm", !!pwm?.running);
    // A PWM output: as bright as its duty, its figures in the tooltip.
    el.style.background = pwm?.running ? `rgb(${Math.round(51 + 166 * pwm.duty)}, ${Math.round(51 + 143 * pwm.duty)}, ${Math.round(51 + 23 * pwm.duty)})` : "";
    el.dataset.pwm = pwm?.running ? `PWM ${pwm.hz.toFixed(pwm.hz < 10 ? 2 : 0)} Hz, ${pwm.mode}, duty ${(pwm.duty * 100).toFixed(1)} %${pwm.mode === "mark-space" ? `, pulse ${pwm.pulseMicros.toFixed(0)} us` : ""}` : "";
    el.title = el.dataset.pwm || el.dataset.help || "";
  }
  $("led").classList.toggle("on", pi.led);
}

function drawCores(): void {
  if (!pi) return;
  const cores = pi.cores();
  cores.forEach((c, i) => {
    const el = $(`core-${i}`);
    el.className = `core ${c.state === "running" ? (c.asleep ? "idle" : "busy") : "stopped"}`;
    el.textContent = `core ${i}: ${c.state === "running" ? (c.asleep ? "asleep (WFI)" : "running") : c.state}` +
      (c.task ? `, polling task 0x${c.task.toString(16)}` : "") + `, ${c.polls} polls` + (c.lastAsync ? `; last in async function ${c.lastAsync}` : "");
  });
}

// ---- the display: the framebuffer, once the kernel allocated one --------
let screenFrame = -1, screenGeneration = -1;
function drawScreen(): void {
  if (!pi) return;
  const screen = pi.screen, canvas = $<HTMLCanvasElement>("screen");
  if (!screen.allocated) { canvas.hidden = true; return; }
  if (screen.frame === screenFrame && generation === screenGeneration) return;
  screenFrame = screen.frame; screenGeneration = generation;
  const p = screen.picture();
  if (canvas.width !== p.width || canvas.height !== p.height) { canvas.width = p.width; canvas.height = p.height; }
  const image = new ImageData(p.width, p.height);
  for (let i = 0, j = 0; i < p.rgb.length; i += 3, j += 4) { image.data[j] = p.rgb[i]; image.data[j + 1] = p.rgb[i + 1]; image.data[j + 2] = p.rgb[i + 2]; image.data[j + 3] = 255; }
  canvas.getContext("2d")!.putImageData(image, 0, 0);
  canvas.hidden = false;
}

// ---- the heap and the collector (pi.figures(): the kernel's __figures) --
const size = (n: number) => n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
let figuresAt = 0;
function drawFigures(): void {
  if (!pi || performance.now() - figuresAt < 250) return;
  figuresAt = performance.now();
  const el = $("figures");
  let f;
  try { f = pi.figures(); } catch (e) { el.textContent = (e as Error).message; return; }
  if (!f) { el.textContent = "heap and collector: this kernel.wasm has no figures (one make builds has: the export __figures)"; return; }
  const heap = f.heap ? `heap: ${size(f.heap.inUse)} in use in ${f.heap.liveBlocks} blocks, peak ${size(f.heap.peak)}, ${size(f.heap.free)} free of ${size(f.heap.capacity)}` : "heap: not set up yet";
  const g = f.gc;
  el.textContent = `${heap}. Collector: ${g.collections} collection${g.collections === 1 ? "" : "s"}${g.collecting ? " (one under way)" : ""}, ` +
    `${g.liveObjects} objects (${size(g.liveBytes)}) live after the last, longest pause ${g.maxPauseMs.toFixed(3)} ms` +
    `${g.abandoned ? `, ${g.abandoned} given up` : ""}${g.threshold ? `, next at ${size(g.threshold)} of blocks` : ""}.`;
}

function frame(): void {
  drawFigures();
  drawTerminal();
  drawScreen();
  drawPins();
  drawCores();
  requestAnimationFrame(frame);
}

// ---- loading kernels: the server's, a new build (a push), a dropped file --
async function fetchKernel(what: string): Promise<void> {
  const r = await fetch("/kernel.wasm", { cache: "no-store" });
  if (!r.ok) { $("terminal").append(line(`cannot load /kernel.wasm: ${r.status} ${r.statusText}`, "panic")); return; }
  await boot(new Uint8Array(await r.arrayBuffer()), what);
}

document.addEventListener("dragover", (e) => e.preventDefault());
document.addEventListener("drop", async (e) => {
  e.preventDefault();
  const f = e.dataTransfer?.files[0];
  if (f) await boot(new Uint8Array(await f.arrayBuffer()), f.name);
});
$("restart").addEventListener("click", () => { void fetchKernel("kernel.wasm"); });
const slider = $<HTMLInputElement>("tmp105");
const showTemperature = () => { sensor.celsius = Number(slider.value); $("tmp105-value").textContent = `${sensor.celsius.toFixed(1)} C`; };
slider.addEventListener("input", showTemperature);
showTemperature();

if (!crossOriginIsolated) {
  $("terminal").append(line("this page needs shared memory: open it from make sim (its server sends the cross-origin isolation headers)", "panic"));
} else {
  buildHeader();
  new EventSource("/events").addEventListener("kernel", () => { void fetchKernel("a new kernel.wasm"); });
  void fetchKernel("kernel.wasm").then(() => requestAnimationFrame(frame));
}

// For the tests (tests/host/sim-page.test.ts) and the console: the board.
(globalThis as unknown as { sim: { pi: () => Pi | null; generation: () => number } }).sim = { pi: () => pi, generation: () => generation };
