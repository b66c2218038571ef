/* libc_glue.c: what picolibc expects from its platform.
 *
 * - A thread-local block per core (errno lives there): the template is
 *   .tdata/.tbss, each core gets a copy and points TPIDR_EL0 at it.
 * - Locks for malloc and stdio, shared by the cores: one recursive lock,
 *   owned by a core. wasm3 allocates on core 0 before the others start, and
 *   on a trap (backtraces), which any core may hit.
 * - _exit/getpid/kill, which the link wants and which nothing calls.
 */
#include "arch.h"
#include "semihost.h"
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/lock.h>

extern char __tdata_start[], __tls_blocks[];
extern char __tdata_size[], __tbss_size[], __tls_block_size[];

void tls_init(unsigned core) {
    /* AArch64 TLS variant 1: TPIDR_EL0 points at a 16-byte TCB, the data follows. */
    char *tp = __tls_blocks + core * (uintptr_t)__tls_block_size;
    char *data = tp + 16;
    memcpy(data, __tdata_start, (uintptr_t)__tdata_size);
    memset(data + (uintptr_t)__tdata_size, 0, (uintptr_t)__tbss_size);
    sysreg_write(tpidr_el0, (uintptr_t)tp);
}

struct __lock { spinlock_t lock; volatile int owner; int depth; };
/* picolibc names this lock; defining it here keeps its own lock.c (a
 * single-threaded stub) out of the link. */
struct __lock __lock___libc_recursive_mutex;
#define libc_lock __lock___libc_recursive_mutex

static void rlock(struct __lock *l) {
    int me = (int)core_id();
    if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) == me + 1) { l->depth++; return; }
    spin_lock(&l->lock);
    l->owner = me + 1;
    l->depth = 1;
}
static void runlock(struct __lock *l) {
    if (--l->depth) return;
    __atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
    spin_unlock(&l->lock);
}

/* Every libc lock maps to the one recursive lock: contention is rare here. */
void __retarget_lock_init(_LOCK_T *l) { *l = 0; }
void __retarget_lock_init_recursive(_LOCK_T *l) { *l = 0; }
void __retarget_lock_close(_LOCK_T l) { (void)l; }
void __retarget_lock_close_recursive(_LOCK_T l) { (void)l; }
void __retarget_lock_acquire(_LOCK_T l) { (void)l; rlock(&libc_lock); }
void __retarget_lock_acquire_recursive(_LOCK_T l) { (void)l; rlock(&libc_lock); }
int __retarget_lock_try_acquire(_LOCK_T l) { (void)l; rlock(&libc_lock); return 1; }
int __retarget_lock_try_acquire_recursive(_LOCK_T l) { (void)l; rlock(&libc_lock); return 1; }
void __retarget_lock_release(_LOCK_T l) { (void)l; runlock(&libc_lock); }
void __retarget_lock_release_recursive(_LOCK_T l) { (void)l; runlock(&libc_lock); }

/* realloc, in place of picolibc 1.8's (the link wraps it: -Wl,--wrap=realloc).
 * Its realloc grows a block next to free space by taking in that free
 * space, at a cost that grows with it: 92,000 instructions for one growth
 * with 2.4 MB free after a push freed the old runtimes, against 330 at
 * boot, when the heap is all in use. wasm3's parser grows its arrays one
 * realloc at a time, so a push's load of the tour took 31.7 million
 * instructions where the boot's took 1.6 million (0.8 s of a push under
 * QEMU). A block big enough already stays; otherwise a new one, the
 * contents copied, the old one freed: what realloc promises, at a cost
 * that does not depend on the free space. */
void *__wrap_realloc(void *ptr, size_t size) {
    if (!ptr) return malloc(size);
    if (!size) { free(ptr); return 0; }
    size_t have = malloc_usable_size(ptr);
    if (size <= have) return ptr;
    void *p = malloc(size);
    if (!p) return 0;                       /* the old block stays valid, as realloc promises */
    memcpy(p, ptr, have);
    free(ptr);
    return p;
}

_Noreturn void _exit(int code) { sys_exit(code); }
int getpid(void) { return 1; }
int kill(int pid, int sig) { (void)pid; (void)sig; return -1; }
