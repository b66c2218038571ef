/* bench/native_exec.h: a small executor in C with the design of
 * assembly/kernel/exec, for the executor rows of `make bench` only. */
#ifndef NATIVE_EXEC_H
#define NATIVE_EXEC_H
#include <stdbool.h>
#include <stdint.h>

enum { T_QUEUED = 1, T_RUNNING = 2, T_NOTIFIED = 4, T_DONE = 8, T_DETACHED = 16, T_CANCELLED = 32 };

struct ntask;
typedef bool (*npoll_fn)(struct ntask *self);

/* The same fields as kernel/exec/task.ts's Task, plus the poll function
 * (AssemblyScript finds poll() through the object's class). */
struct ntask {
    uint32_t state;
    struct ntask *next;
    uint32_t home;
    uint32_t polls;
    struct ntask *joiner;
    npoll_fn poll;
};

void nexec_wake(struct ntask *t);
void nexec_spawn_on(unsigned core, struct ntask *t);   /* detached: freed when done */
bool nexec_run_once(unsigned core);                    /* false: nothing to run */

/* A bounded channel of uint32_t with one FIFO of waiting receivers, as
 * kernel/exec/sync.ts's Channel<u32> (trySend and a receive future). */
struct nwaiter { struct ntask *task; struct nwaiter *next; bool queued, granted; };
struct nchan {
    uint32_t lock;
    uint32_t *buffer;
    int32_t head, count, capacity;
    struct nwaiter *rx_head, *rx_tail;
};
struct nrecv { struct nwaiter waiter; struct nchan *ch; bool done; uint32_t value; };

bool nchan_try_send(struct nchan *ch, uint32_t value);

/* Sleeps, as kernel/exec/timer.ts's: per core a list sorted by deadline
 * behind a lock, the core's timer (CNTP) armed for the first. nexec_sleep
 * runs on `core` (it may arm that core's timer); nexec_fire_timers is the
 * bottom half on EVENT_TIMER. */
struct nsleep { uint64_t deadline; struct ntask *task; struct nsleep *next; bool fired; };
void nexec_sleep(struct nsleep *s, struct ntask *task, unsigned core, uint64_t deadline);
void nexec_fire_timers(unsigned core);
bool nrecv_poll(struct nrecv *r, struct ntask *task);

#endif
