/* host_fb.c: host module "fb": the framebuffer, through checked copies.
 *
 * The framebuffer is memory the firmware allocates in the VideoCore's part
 * of RAM: outside the kernel's linear memory, and outside the MMIO windows
 * mmio.* allows. The kernel asks the firmware for it with a mailbox
 * property message (tag 0x00040001, "Allocate buffer": Raspberry Pi
 * firmware wiki, "Mailbox property interface", Framebuffer); the host reads
 * the answer itself (fb_snoop, called by host_mailbox.c), so the kernel can
 * never name a range the firmware did not hand out. Every copy is checked
 * against both ends: the rectangle in linear memory and the one in the
 * window.
 *
 * The window is mapped Normal non-cacheable (mmu_map_uncached): the display
 * controller reads the framebuffer without looking in the ARM's caches, so
 * cacheable stores would show late or never on a board (QEMU hides this);
 * non-cacheable Normal memory still gathers writes, unlike Device memory.
 * When part of the buffer lies in RAM the kernel already maps cacheable (a
 * firmware that puts it there), the copies clean the lines they wrote
 * (DC CVAC to the point of coherency; ARM ARM D7.5.9). */
#include "host.h"
#include "arch.h"
#include "mmu.h"
#include <string.h>

#define TAG_ALLOCATE 0x00040001u
#define TAG_RELEASE  0x00048001u

static volatile uint64_t fb_base;      /* physical address of byte 0 */
static volatile uint32_t fb_size;      /* 0: no framebuffer */
static volatile int fb_cached;         /* part of it in cacheable RAM: clean after writing */

static void open_window(uint32_t bus, uint32_t size) {
    uint64_t base = bus & 0x3FFFFFFFu;             /* the bus address's alias bits off: ARM physical */
    fb_size = 0;
    dsb_sy();
    int mapped = mmu_map_uncached(base, size);
    if (mapped < 0) return;                        /* in an MMIO window or past 4 GiB: no window */
    fb_base = base;
    fb_cached = mapped;
    dsb_sy();
    fb_size = size;
}

void fb_snoop(const uint32_t *msg, uint32_t size) {
    if (msg[1] != 0x80000000u) return;
    uint32_t words = size / 4, i = 2;
    while (i + 3 <= words && msg[i] != 0) {
        uint32_t tag = msg[i], space = msg[i + 1], response = msg[i + 2];
        if (space % 4 || i + 3 + space / 4 > words) return;
        if (response & 0x80000000u) {
            if (tag == TAG_ALLOCATE && space >= 8 && msg[i + 3] != 0 && msg[i + 4] != 0) open_window(msg[i + 3], msg[i + 4]);
            else if (tag == TAG_RELEASE) { fb_size = 0; dsb_sy(); }
        }
        i += 3 + space / 4;
    }
}

/* The rectangle's last byte + 1, as a 64-bit number (no wrap). */
static inline uint64_t rect_end(uint32_t offset, uint32_t pitch, uint32_t row_bytes, uint32_t rows) {
    return (uint64_t)offset + (uint64_t)(rows - 1) * pitch + row_bytes;
}

static const char *check(const char *op, uint32_t offset, uint32_t pitch, uint32_t mem, uint32_t mem_pitch,
                         uint32_t row_bytes, uint32_t rows) {
    uint32_t size = fb_size;
    if (size == 0)
        return host_refuse("fb.%s: no framebuffer: the firmware has not allocated one (mailbox tag 0x00040001)", op);
    if (rect_end(offset, pitch, row_bytes, rows) > size)
        return host_refuse("fb.%s: %u rows of %u bytes at offset %u, %u apart, run past the framebuffer's %u bytes",
                           op, rows, row_bytes, offset, pitch, size);
    if (mem_pitch != 0xFFFFFFFFu && rect_end(mem, mem_pitch, row_bytes, rows) > WASM_WINDOW_BYTES)
        return host_refuse("fb.%s: %u rows of %u bytes at 0x%08x, %u apart, run past the end of linear memory",
                           op, rows, row_bytes, mem, mem_pitch);
    return NULL;
}

m3ApiRawFunction(h_fb_bytes) {
    m3ApiReturnType(uint32_t);
    m3ApiReturn(fb_size);
}

/* Rows of a rectangle from `from` to `to`; the framebuffer's rows cleaned
 * after writing them where the buffer is in cacheable RAM (`clean`). */
static void copy_rows(uint8_t *to, uint32_t to_pitch, const uint8_t *from, uint32_t from_pitch,
                      uint32_t row_bytes, uint32_t rows, int clean) {
    for (uint32_t r = 0; r < rows; r++, to += to_pitch, from += from_pitch) {
        memcpy(to, from, row_bytes);
        if (clean) dcache_range((uintptr_t)to, row_bytes, 0);
    }
    dsb_sy();
}

m3ApiRawFunction(h_fb_write) {
    m3ApiGetArg(uint32_t, offset);
    m3ApiGetArg(uint32_t, pitch);
    m3ApiGetArg(uint32_t, src);
    m3ApiGetArg(uint32_t, src_pitch);
    m3ApiGetArg(uint32_t, row_bytes);
    m3ApiGetArg(uint32_t, rows);
    if (rows == 0 || row_bytes == 0) m3ApiSuccess();
    const char *refused = check("write", offset, pitch, src, src_pitch, row_bytes, rows);
    if (refused) m3ApiTrap(refused);
    copy_rows((uint8_t *)(uintptr_t)(fb_base + offset), pitch, (const uint8_t *)m3ApiOffsetToPtr(src), src_pitch, row_bytes, rows, fb_cached);
    m3ApiSuccess();
}

m3ApiRawFunction(h_fb_read) {
    m3ApiGetArg(uint32_t, offset);
    m3ApiGetArg(uint32_t, pitch);
    m3ApiGetArg(uint32_t, dst);
    m3ApiGetArg(uint32_t, dst_pitch);
    m3ApiGetArg(uint32_t, row_bytes);
    m3ApiGetArg(uint32_t, rows);
    if (rows == 0 || row_bytes == 0) m3ApiSuccess();
    const char *refused = check("read", offset, pitch, dst, dst_pitch, row_bytes, rows);
    if (refused) m3ApiTrap(refused);
    copy_rows((uint8_t *)m3ApiOffsetToPtr(dst), dst_pitch, (const uint8_t *)(uintptr_t)(fb_base + offset), pitch, row_bytes, rows, 0);
    m3ApiSuccess();
}

m3ApiRawFunction(h_fb_fill) {
    m3ApiGetArg(uint32_t, offset);
    m3ApiGetArg(uint32_t, pitch);
    m3ApiGetArg(uint32_t, row_bytes);
    m3ApiGetArg(uint32_t, rows);
    m3ApiGetArg(uint32_t, value);
    if ((offset | pitch | row_bytes) & 3)
        m3ApiTrap(host_refuse("fb.fill: offset %u, pitch %u and row bytes %u must be multiples of 4", offset, pitch, row_bytes));
    if (rows == 0 || row_bytes == 0) m3ApiSuccess();
    const char *refused = check("fill", offset, pitch, 0, 0xFFFFFFFFu, row_bytes, rows);
    if (refused) m3ApiTrap(refused);
    uint8_t *row = (uint8_t *)(uintptr_t)(fb_base + offset);
    const uint64_t pair = ((uint64_t)value << 32) | value;
    for (uint32_t r = 0; r < rows; r++, row += pitch) {
        uint32_t *p = (uint32_t *)row, *end = (uint32_t *)(row + row_bytes);
        if (((uintptr_t)p & 7) && p < end) *p++ = value;
        for (; p + 2 <= end; p += 2) *(uint64_t *)p = pair;
        if (p < end) *p = value;
        if (fb_cached) dcache_range((uintptr_t)row, row_bytes, 0);
    }
    dsb_sy();
    m3ApiSuccess();
}
