// The async executor: tasks (task.ts), one executor per core with work
// stealing (executor.ts), futures and combinators (future.ts), time
// (timer.ts), and waiting for each other (sync.ts). docs/executor.md.
export { Task, Context } from "./task";
export { spawn, spawnOn, spawnPinned, spawnAmong, spawnJoin, spawnJoinOn, JoinHandle, runExecutor, runUntil, runOnce, serviceEvents, pollsOn, stealsOn, idleOn, OnPanic, onPanic, setWatchdog } from "./executor";
export { stoppedCores, stuckCores, unavailableCores } from "../watch";
export { Future, FutureState, YieldNow, yieldNow, Join, Select } from "./future";
export { Sleep, sleep, Interval, Timeout, timeout, ticksFromMillis, millisFromTicks, pendingSleeps } from "./timer";
export { Notify, Notified, Semaphore, Acquire, Permit, Mutex, MutexGuard, OneShot, OneShotRecv, Channel, ChannelSend, ChannelRecv } from "./sync";
export { AsyncFn, AsyncFuture, FutureTask, noteAsync, noteAsyncLine, releaseHeld } from "./async";
