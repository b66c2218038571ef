// The async executor: tasks (task.ts), one executor per core with work
// stealing (executor.ts), small futures (future.ts).
export { Task, Context } from "./task";
export { spawn, spawnOn, spawnJoin, JoinHandle, runExecutor, runUntil, runOnce, pollsOn, stealsOn } from "./executor";
export { YieldNow } from "./future";
export { Sleep, Interval, ticksFromMillis, millisFromTicks } from "./timer";
