/* bench/native_exec.c: the native equivalent of assembly/kernel/exec for the
 * executor rows of `make bench`: the same state word changed with atomics,
 * the same per-core FIFO run queues behind the same test-and-test-and-set
 * lock, an SEV (after a DSB, as the host's cpu.sev) when a task is queued
 * for another core, the
 * same steal of the oldest task of the longest other queue. What differs is
 * only what a C compiler does differently from wasm3. Written for this
 * purpose; nothing else links it. */
#include "native_exec.h"
#include "arch.h"
#include "wake.h"
#include <stdlib.h>

#define CORES 4

struct nqueue { uint32_t lock; struct ntask *head, *tail; uint32_t len; };
static struct nqueue queues[CORES];

static void lock(uint32_t *w) {
    while (__atomic_exchange_n(w, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(w, __ATOMIC_RELAXED)) wfe();
}
static void unlock(uint32_t *w) { __atomic_store_n(w, 0, __ATOMIC_RELEASE); }

static void enqueue(struct ntask *t, unsigned core) {
    struct nqueue *q = &queues[core & (CORES - 1)];
    t->next = 0;
    lock(&q->lock);
    if (q->tail) q->tail->next = t; else q->head = t;
    q->tail = t;
    q->len++;
    unlock(&q->lock);
    if (core != core_id()) cpu_wake_all();      /* only another core needs waking: as the kernel's sendEvent (cpu.sev) */
}

static struct ntask *dequeue(unsigned core) {
    struct nqueue *q = &queues[core & (CORES - 1)];
    if (!__atomic_load_n(&q->len, __ATOMIC_ACQUIRE)) return 0;
    lock(&q->lock);
    struct ntask *t = q->head;
    if (t) {
        q->head = t->next;
        if (!q->head) q->tail = 0;
        q->len--;
    }
    unlock(&q->lock);
    return t;
}

static struct ntask *steal(unsigned self) {
    unsigned best = self, most = 0;
    for (unsigned c = 0; c < CORES; c++) {
        if (c == self) continue;
        unsigned len = __atomic_load_n(&queues[c].len, __ATOMIC_ACQUIRE);
        if (len > most) { most = len; best = c; }
    }
    return best == self ? 0 : dequeue(best);
}

void nexec_wake(struct ntask *t) {
    uint32_t s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
    for (;;) {
        if (s & (T_DONE | T_QUEUED)) return;
        uint32_t want = (s & T_RUNNING) ? s | T_NOTIFIED : s | T_QUEUED;
        if ((s & T_RUNNING) && (s & T_NOTIFIED)) return;
        if (__atomic_compare_exchange_n(&t->state, &s, want, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            if (!(s & T_RUNNING)) enqueue(t, __atomic_load_n(&t->home, __ATOMIC_ACQUIRE));
            return;
        }
    }
}

void nexec_spawn_on(unsigned core, struct ntask *t) {
    t->home = core;
    __atomic_store_n(&t->state, T_QUEUED | T_DETACHED, __ATOMIC_RELEASE);
    enqueue(t, core);
}

bool nexec_run_once(unsigned core) {
    struct ntask *t = dequeue(core);
    if (!t) t = steal(core);
    if (!t) return false;
    uint32_t s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
    while (!__atomic_compare_exchange_n(&t->state, &s, (s & ~T_QUEUED) | T_RUNNING, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {}
    t->home = core;
    bool done = (s & T_CANCELLED) != 0;
    if (!done) {
        t->polls++;
        done = t->poll(t) || (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) & T_CANCELLED);
    }
    if (done) {
        uint32_t prev = __atomic_exchange_n(&t->state, (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) & (T_DETACHED | T_CANCELLED)) | T_DONE, __ATOMIC_ACQ_REL);
        struct ntask *joiner = __atomic_exchange_n(&t->joiner, 0, __ATOMIC_ACQ_REL);
        if (joiner) nexec_wake(joiner);
        if (prev & T_DETACHED) free(t);
        return true;
    }
    s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
    for (;;) {
        bool again = (s & T_NOTIFIED) != 0;
        uint32_t next = (s & ~(T_RUNNING | T_NOTIFIED)) | (again ? T_QUEUED : 0);
        if (__atomic_compare_exchange_n(&t->state, &s, next, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            if (again) enqueue(t, core);
            return true;
        }
    }
}

static void rx_push(struct nchan *ch, struct nwaiter *w, struct ntask *task) {
    w->task = task;
    if (w->queued) return;
    w->queued = true;
    w->granted = false;
    w->next = 0;
    if (ch->rx_tail) ch->rx_tail->next = w; else ch->rx_head = w;
    ch->rx_tail = w;
}

static struct nwaiter *rx_pop(struct nchan *ch) {
    struct nwaiter *w = ch->rx_head;
    if (!w) return 0;
    ch->rx_head = w->next;
    if (!ch->rx_head) ch->rx_tail = 0;
    w->next = 0;
    w->queued = false;
    return w;
}

static void rx_remove(struct nchan *ch, struct nwaiter *w) {
    if (!w->queued) return;
    struct nwaiter *prev = 0, *at = ch->rx_head;
    while (at && at != w) { prev = at; at = at->next; }
    if (!at) return;
    if (prev) prev->next = w->next; else ch->rx_head = w->next;
    if (ch->rx_tail == w) ch->rx_tail = prev;
    w->next = 0;
    w->queued = false;
}

bool nchan_try_send(struct nchan *ch, uint32_t value) {
    lock(&ch->lock);
    bool ok = ch->count < ch->capacity;
    if (ok) {
        ch->buffer[(ch->head + ch->count) % ch->capacity] = value;
        ch->count++;
        struct nwaiter *w = rx_pop(ch);
        if (w) { w->granted = true; if (w->task) nexec_wake(w->task); }
    }
    unlock(&ch->lock);
    return ok;
}

bool nrecv_poll(struct nrecv *r, struct ntask *task) {
    if (r->done) return true;
    struct nchan *ch = r->ch;
    lock(&ch->lock);
    if (ch->count) {
        r->value = ch->buffer[ch->head];
        ch->head = (ch->head + 1) % ch->capacity;
        ch->count--;
        r->done = true;
        rx_remove(ch, &r->waiter);
    } else {
        rx_push(ch, &r->waiter, task);
    }
    unlock(&ch->lock);
    return r->done;
}

static struct { uint32_t lock; struct nsleep *head; } timers[CORES];

static void arm(uint64_t deadline) {
    if (!deadline) { sysreg_write(cntp_ctl_el0, 0); }
    else { sysreg_write(cntp_cval_el0, deadline); sysreg_write(cntp_ctl_el0, 1); }
    isb();
}

void nexec_sleep(struct nsleep *s, struct ntask *task, unsigned core, uint64_t deadline) {
    s->deadline = deadline, s->task = task, s->fired = false;
    core &= CORES - 1;
    lock(&timers[core].lock);
    struct nsleep **at = &timers[core].head;
    while (*at && (*at)->deadline <= deadline) at = &(*at)->next;
    s->next = *at;
    *at = s;
    bool first = timers[core].head == s;
    unlock(&timers[core].lock);
    if (first) arm(deadline);
}

void nexec_fire_timers(unsigned core) {
    uint64_t now = counter_now();
    core &= CORES - 1;
    lock(&timers[core].lock);
    struct nsleep *s = timers[core].head;
    while (s && s->deadline <= now) {
        struct nsleep *next = s->next;
        s->next = 0;
        s->fired = true;
        if (s->task) nexec_wake(s->task);
        s = next;
    }
    timers[core].head = s;
    unlock(&timers[core].lock);
    arm(s ? s->deadline : 0);
}
