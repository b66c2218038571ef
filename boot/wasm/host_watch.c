/* host_watch.c: the watchdog, and the hand-over of an unavailable core's
 * work (issue 25; docs/architecture.md, "A core that stops or is stuck").
 *
 * A core is unavailable when its kernel stopped (it trapped where it could
 * not go on, or kernel_start returned) or when one poll of a task has run
 * past the hand-over limit without coming back to the executor. What it
 * would have served, the others serve meanwhile: its timer interrupt and
 * its peripheral interrupts go to them (irq_hand_over, boot/board/irq.c),
 * and the kernel reads which cores are unavailable from its state word
 * (cpu.watch) to fire their timer lists, steal from their queues and, for a
 * core that stopped, run its pinned tasks.
 *
 * Which poll runs is the kernel's own bookkeeping, read here, never
 * written: each core's executor tells (cpu.watch) where its Context keeps
 * the task it polls (0 between polls) and where its poll counter is. The
 * tick (the core's virtual timer, every half hand-over limit, paused while
 * the core sleeps) compares them with what it saw last: the same task and
 * the same count means the same poll is still running. Nothing is added to
 * the executor's poll path.
 *
 * The tick runs in the interrupt, on the stuck core itself, so it sees that
 * core's async function (its __async_name and __async_line globals, which
 * belong to its runtime) and can take the core back for a push: with wasm3,
 * when the interrupt came inside the interpreter's ops, the backend makes
 * the interrupt return into a longjmp out of the kernel (wasm_abandon). */
#include "host.h"
#include "arch.h"
#include "console.h"
#include "irq.h"
#include "push.h"
#include "uart.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* What one core's tick reads and remembers. */
struct watch {
    uint32_t task, polls;            /* the kernel's words (addresses in the window; 0: not watched) */
    uint32_t seen_task, seen_polls;  /* what the last tick read */
    uint64_t since;                  /* the counter when this poll was first seen */
    uint32_t ticks;                  /* ticks that saw the same poll */
    uint8_t stuck, reported;
    uint8_t back_due;                /* the `back:` line found the console busy: it goes out later */
    char back_line[192];              /* room for two, should a second come before the first is out */
};
static struct watch watches[MAX_CORES];
static uint32_t state_word;          /* the kernel's state word (address), 0 until a core's cpu.watch */
static uint64_t handover_ticks, report_ticks;   /* the limits, in counter ticks */
static volatile uint32_t stuck_cores, entered_cores;
static spinlock_t publish_lock;

static inline uint32_t kernel_word(uint32_t addr) {
    return __atomic_load_n((volatile uint32_t *)(uintptr_t)(WASM_WINDOW_VA + addr), __ATOMIC_ACQUIRE);
}

/* The masks to the kernel's state word (bits 0-7 stopped, 8-15 stuck) and to
 * the interrupt hand-over. Under a lock: two cores changing the masks
 * publish in the order they changed them. */
static void publish(void) {
    uint64_t flags = irq_save();
    spin_lock(&publish_lock);
    uint32_t running = __atomic_load_n(&cores_running, __ATOMIC_ACQUIRE);
    uint32_t stopped = __atomic_load_n(&entered_cores, __ATOMIC_ACQUIRE) & ~running;
    uint32_t stuck = __atomic_load_n(&stuck_cores, __ATOMIC_ACQUIRE) & running;
    if (state_word)
        __atomic_store_n((volatile uint32_t *)(uintptr_t)(WASM_WINDOW_VA + state_word), stopped | stuck << 8, __ATOMIC_RELEASE);
    irq_hand_over(stopped | stuck, running & ~stuck);
    spin_unlock(&publish_lock);
    irq_restore(flags);
}

void watch_core_entered(unsigned core) {
    __atomic_or_fetch(&entered_cores, 1u << core, __ATOMIC_ACQ_REL);
    publish();
}

void watch_core_left(unsigned core) {
    watches[core].task = watches[core].polls = 0;
    __atomic_and_fetch(&stuck_cores, ~(1u << core), __ATOMIC_ACQ_REL);
    irq_tick_start(0);
    /* A push stops every core: nothing is handed over then, the next kernel starts afresh. */
    if (!__atomic_load_n(&push_pending, __ATOMIC_ACQUIRE)) publish();
}

void watch_reset(void) {
    for (unsigned c = 0; c < MAX_CORES; c++) memset(&watches[c], 0, sizeof watches[c]);
    state_word = 0;
    __atomic_store_n(&stuck_cores, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&entered_cores, 0, __ATOMIC_RELEASE);
    irq_hand_over(0, 0);
}

static void say_back_due(struct watch *w, int wait);

static int word_ok(uint32_t addr) { return addr && !(addr & 3) && (uint64_t)addr + 4 <= WASM_WINDOW_BYTES; }

const char *watch_start(uint32_t task, uint32_t polls, uint32_t state, uint32_t handover_ms, uint32_t report_ms) {
    if (!word_ok(task) || !word_ok(polls) || !word_ok(state))
        return host_refuse("cpu.watch: the words at %u, %u and %u must be 4-byte aligned and inside the memory", task, polls, state);
    if (handover_ms && (handover_ms < 2 || handover_ms > 60000 || report_ms > 600000))
        return host_refuse("cpu.watch: a hand-over limit of %u ms (2 to 60000, or 0: off) and a report limit of %u ms (at most 600000)", handover_ms, report_ms);
    unsigned core = core_id();
    uint64_t hz = counter_freq();
    struct watch *w = &watches[core];
    say_back_due(w, 1);
    w->task = task, w->polls = polls, w->ticks = 0, w->stuck = w->reported = 0;
    w->seen_task = w->seen_polls = 0;
    __atomic_and_fetch(&stuck_cores, ~(1u << core), __ATOMIC_ACQ_REL);   /* counted afresh from here */
    state_word = state;
    handover_ticks = hz * handover_ms / 1000;
    report_ticks = hz * report_ms / 1000;
    publish();
    irq_tick_start(handover_ms ? handover_ticks / 2 : 0);
    return 0;
}

/* A line to the console from the interrupt: only when no one on this core
 * holds the UART's lock (the interrupted code may): else the next tick tries again. */
static int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int say(const char *fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return 1;
    if (n > (int)sizeof line - 1) n = sizeof line - 1;
    return console_try_write_whole(line, (size_t)n);
}

static unsigned ms_of(uint64_t ticks) { return (unsigned)(ticks * 1000 / counter_freq()); }

/* A `back:` line that found the console busy, from the core's next tick
 * (still the try of the interrupt), or, `wait`ing for the console, from the
 * kernel's side (cpu_wait, cpu.watch: this core holds no console lock there). */
static void say_back_due(struct watch *w, int wait) {
    if (!w->back_due) return;
    size_t n = strlen(w->back_line);
    if (wait) console_write_whole(w->back_line, n);
    else if (!console_try_write_whole(w->back_line, n)) return;
    w->back_due = 0;
}

/* The poll that made `core` stuck has ended: no longer stuck, and `back:` if
 * it was reported. The `stuck:` line was out, so this one must follow: when
 * another core holds the console, it waits in back_line (say_back_due). */
static void back(unsigned core, struct watch *w, uint64_t now) {
    if (w->reported) {
        say_back_due(w, 0);                   /* an older one first */
        size_t old = w->back_due ? strlen(w->back_line) : 0;
        snprintf(w->back_line + old, sizeof w->back_line - old, "core %u: back: the task at %u returned to its executor after %u ms\n",
                 core, w->seen_task, ms_of(now - w->since));
        w->back_due = 1;
        say_back_due(w, 0);
    }
    w->stuck = 0;
    __atomic_and_fetch(&stuck_cores, ~(1u << core), __ATOMIC_ACQ_REL);
    publish();
}

void watch_idle(void) {
    unsigned core = core_id();
    struct watch *w = &watches[core];
    if (w->stuck && !(w->task && kernel_word(w->task))) {   /* else a wait inside the poll (runUntil in a task): still the same poll */
        back(core, w, counter_now());
        w->seen_task = 0, w->ticks = 0, w->reported = 0;
    }
    say_back_due(w, 1);                        /* before this core sleeps, with no tick to try again */
}

void watch_tick(struct trap_frame *f) {
    unsigned core = core_id();
    uint32_t me = 1u << core;
    if (!(__atomic_load_n(&cores_running, __ATOMIC_ACQUIRE) & me)) return;
    if (__atomic_load_n(&push_pending, __ATOMIC_ACQUIRE)) {
        wasm_abandon(f);                       /* a push: leave the kernel now if this is a place to (wasm3) */
        return;
    }
    struct watch *w = &watches[core];
    say_back_due(w, 0);
    if (!w->task) return;
    uint32_t task = kernel_word(w->task), polls = kernel_word(w->polls);
    uint64_t now = counter_now();
    if (!task || task != w->seen_task || polls != w->seen_polls) {
        if (w->stuck) back(core, w, now);      /* back at the executor */
        w->seen_task = task, w->seen_polls = polls, w->since = now, w->ticks = 0, w->reported = 0;
        return;
    }
    w->ticks++;
    uint64_t ran = now - w->since;
    if (!w->stuck && w->ticks >= 2) {         /* two ticks, half the limit apart, saw this poll after the first */
        w->stuck = 1;
        __atomic_or_fetch(&stuck_cores, me, __ATOMIC_ACQ_REL);
        publish();
    }
    if (w->stuck && !w->reported && report_ticks && ran >= report_ticks)
        w->reported = say("core %u: stuck: the task at %u has run one poll for %u ms without returning to its executor%s; "
                          "its queue, timers and interrupts go to the other cores meanwhile\n",
                          core, task, ms_of(ran), wasm_async_location(core));
    /* Every core that runs the kernel is stuck: none reads the UART, so the
     * lowest of them watches it for a push request (an image that takes one). */
    uint32_t running = __atomic_load_n(&cores_running, __ATOMIC_ACQUIRE);
    if (wasm_takes_push() && running && (__atomic_load_n(&stuck_cores, __ATOMIC_ACQUIRE) & running) == running &&
        (running & -running) == me) {
        int c;
        while ((c = uart_getc_timeout(0)) >= 0)
            if (push_snoop((uint32_t)c)) { wasm_abandon(f); break; }
    }
}
