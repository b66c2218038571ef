// tspi: the kernel library's one entry point. A kernel writes
//
//   import { spawn, sleep, println, gpio, led } from "tspi";
//
// and finds here what a program needs: the executor and its futures, the
// synchronisation primitives, the drivers (each a namespace), the board,
// the console, atomics and memory. The files behind it stay importable for
// the low level ("tspi/drivers/gpio", "tspi/kernel/exec", "tspi/arch/cpu"):
// docs/architecture.md says what each folder is for.

// ---- the executor: tasks, futures, timers ----------------------------------
export {
  Task, Context,
  spawn, spawnOn, spawnPinned, spawnAmong, spawnJoin, spawnJoinOn, JoinHandle,
  runExecutor, runUntil, runOnce, OnPanic, onPanic, setWatchdog, stoppedCores, stuckCores, unavailableCores,
  Future, FutureState, YieldNow, yieldNow, Join, Select,
  Sleep, sleep, Interval, Timeout, timeout, ticksFromMillis, millisFromTicks,
} from "./kernel/exec";

// ---- waiting together: async locks, channels, notifications ----------------
export {
  Notify, Notified, Semaphore, Acquire, Permit, Mutex, MutexGuard,
  OneShot, OneShotRecv, Channel, ChannelSend, ChannelRecv,
} from "./kernel/exec";

// ---- between cores without waiting: atomics and spin locks -----------------
export { Atomic, AtomicRef, SpinLock, TicketLock, Once, OnceCell } from "./kernel/sync";
import * as atomic from "./arch/atomic";
export { atomic };

// ---- the console and the CPU -----------------------------------------------
export { print, println, printU64, printI64, printHex, echo } from "./arch/console";
export { coreId, coreCount, counter, timerFrequency, waitForEvent, waitForWake, sendEvent } from "./arch/cpu";
export { panic, exit } from "./arch/sys";
export { banner } from "./kernel/banner";
import * as bench from "./kernel/bench";
export { bench };
// the time of day: Date.now() is clock.now() (the uptime until setTime or syncFromRtc)
import * as clock from "./kernel/clock";
export { clock };
export { ClockError } from "./kernel/clock";

// ---- memory: lifetimes and the collector (docs/memory-model.md) -----------
export { dispose, keep, scoped, heapBytesOf } from "./kernel/mem/lifetime";
export { gc, collections, gcStats, GcStats, pin, unpin } from "./kernel/mem/gc";
import * as heap from "./kernel/mem/heap";
export { heap };
export { HeapStats } from "./kernel/mem/heap";

// ---- the board and its devices (each driver a namespace) --------------------
export { Board, currentBoard, boardName, peripheralBase } from "./board/index";
import * as gpio from "./drivers/gpio";
import * as uart from "./drivers/uart";
import * as led from "./drivers/led";
import * as mailbox from "./drivers/mailbox";
import * as systimer from "./drivers/systimer";
import * as i2c from "./drivers/i2c";
import * as power from "./drivers/power";
import * as rng from "./drivers/rng";
import * as spi from "./drivers/spi";
import * as clocks from "./drivers/clocks";
import * as pwm from "./drivers/pwm";
import * as screen from "./drivers/screen";
import * as dma from "./drivers/dma";
export { gpio, uart, led, mailbox, systimer, i2c, power, rng, spi, clocks, screen, pwm, dma };
export { Screen } from "./drivers/screen";
export { Pull, Edge } from "./drivers/gpio";
export { I2cError } from "./drivers/i2c";
export { SpiError } from "./drivers/spi";
export { DmaError } from "./drivers/dma";
export { PwmError } from "./drivers/pwm";

// ---- drawing: canvases, text, the screen's console (assembly/gfx/) ----------
export { Canvas, rgb, TRANSPARENT } from "./gfx/canvas";
export { TextConsole } from "./gfx/console";
export { CELL_WIDTH, CELL_HEIGHT } from "./gfx/font";
export { MonoCanvas } from "./gfx/mono";

// ---- parts people wire to the buses (assembly/devices/) ---------------------
export { Tmp105, TemperatureSample } from "./devices/tmp105";
export { Eeprom24c } from "./devices/eeprom24c";
export { Ds1338, DateTime } from "./devices/ds1338";
export { Bme280, Bme280Sample, Bme280Options } from "./devices/bme280";
export { Ssd1306 } from "./devices/ssd1306";
export { Ssd0303 } from "./devices/ssd0303";
export { Pca9552, Pca9552Led } from "./devices/pca9552";
export { Mpu6050, Mpu6050Options, MotionSample, Axes, STANDARD_GRAVITY } from "./devices/mpu6050";
