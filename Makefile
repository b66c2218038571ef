# Build, boot and test a TypeScript (AssemblyScript) kernel for the Raspberry Pi 3 and 4.
#
#   make                  build/kernel8.img (and build/kernel.wasm)
#   make qemu [BOARD=pi4] build, then boot it in QEMU on four cores (Ctrl-] quits)
#   make qemu APP=examples/blink/main.ts   the same with your own kernel (any folder)
#   make sim [BOARD=pi4]  build, then run it in the simulator's page (localhost:8026): pins to press, no QEMU
#   make test             host tests, then QEMU tests on every board
#   make bench            instructions per operation, wasm3 and aot against native C (QEMU -icount)
#   make BACKEND=aot ...  the same targets with the kernel compiled ahead of time (build/aot/)
#   make soak             the executor's stress rounds for 1,000 seeds per board and mode
#   make sdcard           build/sdcard.img: firmware, device trees, config.txt, kernel8.img
#   make flash DEVICE=/dev/sdX [IMAGE=...]   write it (or IMAGE) to an SD card, with safety checks and verification
#   make hardware         build the programs for a real board (tests/hardware/)
#   make hardware-sdcard PROGRAM=gpio-loopback   an SD card image for one of them
#   make gdb              QEMU paused with a gdb server, and gdb-multiarch attached
#   make console [DEVICE=/dev/ttyUSB0]   our serial terminal, on a board or on the kernel in QEMU (Ctrl-] quits)
#   make push [DEVICE=/dev/ttyUSB0]      a new kernel.wasm into the running kernel over its UART, no reboot
#                         (without DEVICE: through the make qemu or make console that runs)
#   make clean            remove build/
#
#   KERNEL_MEMORY_MB=64   size of the kernel's linear memory, shared by the four
#                         cores (multiple of 2, at most 1022; the kernel image,
#                         stacks and wasm3 take about 40 MiB more, and a 1 GiB
#                         Pi 3 gives the ARM cores about 948 MiB)
#
# Dependencies are installed by tools/setup/setup.sh, which make runs when one is missing.

BOARDS        := pi3 pi4
BOARD         ?= pi3
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error unknown BOARD '$(BOARD)': valid boards are $(BOARDS))
endif

KERNEL_MEMORY_MB ?= 64
ifneq ($(shell expr '$(KERNEL_MEMORY_MB)' : '[0-9]*[02468]$$'),$(shell printf %s '$(KERNEL_MEMORY_MB)' | wc -c))
$(error KERNEL_MEMORY_MB=$(KERNEL_MEMORY_MB): give an even number of MiB, for example 64)
endif
WASM_PAGES    := $(shell echo $$(( $(KERNEL_MEMORY_MB) * 16 )))

CROSS         ?= aarch64-linux-gnu-
CC            := $(CROSS)gcc
OBJCOPY       := $(CROSS)objcopy
QEMU          ?= qemu-system-aarch64
NODE          ?= node
# Build outputs. A kernel's own project (tspi build, tools/cli/tspi.ts) runs
# this Makefile in the package's folder with B set to the project's build/
# (absolute), PROJECT to the project and TSPI_PROJECT=1: the package ships
# its host tools compiled (build/tools), and writes nothing of its own.
B             ?= build
PROJECT       ?= $(CURDIR)
TSPI_PROJECT  ?=
export TSPI_PROJECT
# The host tools, compiled (in a project: the package's own, shipped compiled).
TJS           := build/tools
# (the fetch scripts and the SD card tool put what they fetch under it)
export BUILD_DIR := $(B)
ASC           := node_modules/.bin/asc
# asc behind the async transform (tools/async/asc.ts): every kernel build goes through it.
ASYNC_ASC     := $(NODE) $(abspath $(TJS))/tools/async/asc.js
# The resident compiler (tools/async/server.ts): asc, Binaryen and TypeScript
# kept loaded, so a build takes about 1.3 s instead of 3.8. make test starts
# one for its builds; make qemu and make console for the edit loop (make push),
# and it stops with the shell that started it (--while-pid), or after half an
# hour without a build. Builds compile by themselves whenever none answers.
COMPILER      := cd $(PROJECT) && $(NODE) $(abspath $(TJS))/tools/async/server.js
TSC           := node_modules/.bin/tsc

# wasm3 sources are fetched by tools/setup/fetch-wasm3.sh (pinned, sha256-checked).
# Their list is only known once they are there: build/wasm3.mk is made (and
# make restarts) before anything else is built.
WASM3_DIR     := $(B)/wasm3/source

# -fno-pie: Debian's gcc compiles position-independent by default, which
# reached every extern variable through the GOT (one load more each time);
# the image is linked -no-pie and runs where it is linked.
# -ffp-contract=off: gcc at -O2 fuses a*b+c into one fused multiply-add,
# which rounds once where WebAssembly rounds each operation (issue 28): the
# aot kernel's floats must give wasm3's results bit for bit (-O2 has no
# -ffast-math-like option on: signed zeros, NaNs and subnormals are kept).
CFLAGS_COMMON := -specs=picolibc.specs -ffreestanding -fno-pie -march=armv8-a+crc -mcpu=cortex-a53 \
                 -mno-outline-atomics -mstrict-align -O2 -g -fno-common -ffunction-sections -fdata-sections -ffp-contract=off
# wasm3: record backtraces so a trap names its function.
# Not -ffreestanding (which implies -fno-builtin): with it, the memcpy in every
# load and store op was a real call and gcc could not end op handlers in a
# tail jump. It still links against picolibc and our memory.c. Not
# -mstrict-align: only the stub's steps before the MMU is on need it, and
# wasm3 runs after (SCTLR_EL1.A = 0: unaligned accesses to normal memory
# are allowed). (d_m3LogOutput, once passed here, does not exist in 0.5.0.)
# Every op in one section (m3_config_platforms.h's op_section), which the
# linker script brackets: the watchdog leaves a kernel for a push only from there.
WASM3_CONFIG  := -Dd_m3RecordBacktraces=1 -Dd_m3VerboseErrorMessages=1 -include boot/wasm/wasm3_ops.h
WASM3_CFLAGS  := $(filter-out -ffreestanding -mstrict-align,$(CFLAGS_COMMON)) -w $(WASM3_CONFIG)
# No call of m3_Yield per wasm call (boot/wasm/no_yield.h); m3_core.c keeps its definition.
WASM3_NO_YIELD := -include boot/wasm/no_yield.h
# The shared memory's size as a constant (host.h: the host functions' bound
# checks compare against it instead of computing it from linker symbols).
MEMORY_DEFS   := -DKERNEL_MEMORY_BYTES=$(shell echo $$(( $(KERNEL_MEMORY_MB) * 1048576 )))
# The stub's folders (boot/: main.c; cpu/: start-up, exceptions, MMU, cores;
# board/: the SoC's devices; push/: kernels over the UART; wasm/ and aot/:
# the two backends' hosts), each on the include path.
BOOT_INCLUDES := -Iboot -Iboot/cpu -Iboot/board -Iboot/push
CFLAGS        := $(CFLAGS_COMMON) $(MEMORY_DEFS) -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror -I$(WASM3_DIR) $(BOOT_INCLUDES) -I$(B)/gen
# -no-pie -static: the image runs where it is linked. Debian's gcc links PIE by
# default, which added 21 KB of dynamic relocations nothing applies.
# --wrap=realloc: boot/cpu/libc_glue.c's, whose cost does not grow with the free space.
LDFLAGS       := -specs=picolibc.specs -nostartfiles -no-pie -static -T linker/kernel8.ld \
                 -Wl,--defsym=SHARED_MEMORY_SIZE=$(KERNEL_MEMORY_MB)M -Wl,--gc-sections -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
                 -Wl,--wrap=realloc

STUB_SRCS     := $(wildcard boot/*.c boot/cpu/*.c boot/cpu/*.S boot/board/*.c boot/push/*.c boot/wasm/*.c)
STUB_OBJS     := $(patsubst %,$(B)/obj/%.o,$(STUB_SRCS)) $(B)/obj/gen/abi_link.c.o
WASM3_OBJS     = $(patsubst $(WASM3_DIR)/%.c,$(B)/obj/wasm3/%.o,$(WASM3_SRCS))

AS_SRCS       := $(shell find assembly -name '*.ts' ! -name '*.d.ts') assembly/async.d.ts
ASYNC_SRCS    := $(wildcard tools/async/*.ts)
TOOL_SRCS     := $(shell find tools tests/host tests/qemu -name '*.ts' 2>/dev/null)
TEST_LIB_SRCS := $(shell find tests/kernels/lib -name '*.ts' 2>/dev/null)
TEST_KERNELS  := $(patsubst tests/kernels/%.ts,%,$(wildcard tests/kernels/*.ts))

SETUP         := $(B)/.setup
# Rebuild kernels and images when KERNEL_MEMORY_MB changes.
CONFIG        := $(B)/.config-memory-$(KERNEL_MEMORY_MB)
TOOLS         := $(if $(TSPI_PROJECT),$(TJS)/tools/cli/tspi.js,$(B)/.tools)
Q             := @
say            = @printf '  %-8s %s\n' '$(1)' '$(2)'

# Which backend's images make, qemu, sdcard, bench... use (see "images" below).
BACKEND       ?= wasm3
ifeq ($(filter $(BACKEND),wasm3 aot),)
$(error BACKEND=$(BACKEND): give wasm3 (the interpreter, the default) or aot (ahead of time, through wasm2c))
endif
IMG_wasm3     := $(B)
IMG_aot       := $(B)/aot
IMG           := $(IMG_$(BACKEND))

.PHONY: test-images all tools boards font qemu sim console push test test-host test-qemu test-qemu-wasm3 test-qemu-aot typecheck abi clean setup bench soak sdcard flash gdb hardware hardware-sdcard
.DELETE_ON_ERROR:
.SECONDARY:

all: $(IMG)/kernel8.img
	@printf '\n  image    %s (%s bytes): %s to boot it\n' $< $$(stat -c %s $<) '$(if $(TSPI_PROJECT),npx tspi qemu,make qemu)'

# ---- set-up -------------------------------------------------------------
$(SETUP): tools/setup/setup.sh tools/setup/fetch-wasm3.sh package.json $(wildcard package-lock.json)
	$(Q)tools/setup/setup.sh
	$(Q)mkdir -p $(B) && touch $@
setup: $(SETUP)

# Stamps are made when the Makefile is read, not by rules: with .SECONDARY
# every target counts as intermediate, and make does not remake a missing
# intermediate file that a target names (a new stamp would be skipped). A
# stamp named after a setting exists once that setting is in use; switching
# removes the others, so the targets that name it are newer than nothing.
stamp = $(shell mkdir -p $(B) && { [ -f $(1) ] || { rm -f $(2); touch $(1); }; })
$(call stamp,$(CONFIG),$(B)/.config-memory-*)

# The host tools (TypeScript) compile to build/tools (npm pack ships them: make tools).
tools: $(TOOLS)
$(B)/.tools: $(TOOL_SRCS) tsconfig.json $(SETUP)
	$(call say,TSC,tools)
	$(Q)$(TSC) -p tsconfig.json
	$(Q)touch $@

# ---- host ABI: one spec, both sides generated ------------------------------
# The committed side (assembly/arch/host.ts, docs/host-abi.md) is touched only
# when older than the spec: a touch after a kernel was built (the recipe runs
# for build/gen/ in a fresh tree) made the next make compile and link again.
ABI_COMMITTED := $(if $(TSPI_PROJECT),,assembly/arch/host.ts docs/host-abi.md)
$(B)/gen/abi_link.c $(B)/gen/aot_imports.c $(B)/gen/abi.h $(ABI_COMMITTED) &: $(wildcard tools/abi/spec.ts tools/abi/gen.ts) | $(TOOLS)
	$(call say,GEN,host ABI)
	$(Q)$(NODE) $(TJS)/tools/abi/gen.js --out $(B)/gen $(if $(TSPI_PROJECT),--c-only)
	$(Q)touch $(B)/gen/abi_link.c $(B)/gen/aot_imports.c $(B)/gen/abi.h
	$(Q)for f in $(ABI_COMMITTED); do [ $$f -nt tools/abi/spec.ts ] && [ $$f -nt tools/abi/gen.ts ] || touch $$f; done
abi: $(B)/gen/abi_link.c

# ---- boards: one description, every table generated (docs/boards.md) --------
BOARDS_COMMITTED := $(if $(TSPI_PROJECT),,assembly/board/generated.ts docs/boards.md)
$(B)/gen/boards.h $(BOARDS_COMMITTED) &: $(wildcard tools/boards/spec.ts tools/boards/gen.ts) | $(TOOLS)
	$(call say,GEN,boards)
	$(Q)$(NODE) $(TJS)/tools/boards/gen.js --out $(B)/gen $(if $(TSPI_PROJECT),--c-only)
	$(Q)touch $(B)/gen/boards.h
	$(Q)for f in $(BOARDS_COMMITTED); do [ $$f -nt tools/boards/spec.ts ] && [ $$f -nt tools/boards/gen.ts ] || touch $$f; done
boards: $(B)/gen/boards.h

# ---- the text font: its drawing packed for the kernel (assembly/gfx/font.ts) ----
ifeq ($(TSPI_PROJECT),)
assembly/gfx/font.ts: tools/gfx/font.txt tools/gfx/font.ts | $(TOOLS)
	$(call say,GEN,font)
	$(Q)$(NODE) $(TJS)/tools/gfx/font.js
endif
font: assembly/gfx/font.ts

# ---- the push protocol's constants, for the board's half (boot/push/push.h) ----
$(B)/gen/push_protocol.h: $(wildcard tools/push/protocol.ts tools/push/gen.ts) | $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/push/gen.js --out $(B)/gen
	$(Q)touch $@

# ---- AssemblyScript -> wasm ------------------------------------------------
# Every kernel's module variables go to shared memory (tools/kernel/share-globals.ts),
# and it is validated (wasm-validate) and its imports checked against the ABI
# (tools/kernel/check-wasm.ts): asc.js does both after the compile (exit code 3
# when one fails), in the resident compiler when one runs.
define wasm_rule
$(2): $(1) $(AS_SRCS) $(3) $(ASYNC_SRCS) $(wildcard tools/kernel/share-globals.ts) asconfig.json assembly/arch/host.ts $(CONFIG) | $(TOOLS) $(B)/gen/abi.h $(B)/gen/boards.h
	$$(call say,ASC,$(2))
	$(Q)mkdir -p $$(dir $(2))
	$(Q)cd $(PROJECT) && $(ASYNC_ASC) $(abspath $(1)) --target release --initialMemory $(WASM_PAGES) --maximumMemory $(WASM_PAGES) $(4) \
		--outFile $(abspath $(2)) --share-globals --check || \
		{ s=$$$$?; [ $$$$s = 3 ] || printf 'error: asc could not compile %s (above: the file, line and reason)\n' $(1) >&2; exit 1; }
	$(Q)$$(WASM2WAT) $(2) -o $(2:.wasm=.wat)
endef
# The kernel: assembly/main.ts (which runs the tour, examples/tour/main.ts,
# until it is yours), or with make APP=path/to/main.ts a program kept
# anywhere. tools/kernel/app-entry.ts writes its entry (build/app/index.ts).
APP           ?=
APP_GIVEN     := $(filter command line environment,$(origin APP))
# make flash without APP writes the card for the program it holds: that
# program is this make's APP too (a switch of APP would remake its kernel).
ifneq ($(filter flash,$(MAKECMDGOALS)),)
CARD_HOLDS    := $(shell cat $(IMG)/sdcard.img.program 2>/dev/null)
ifeq ($(APP_GIVEN)$(IMAGE),)
APP           := $(CARD_HOLDS)
endif
endif
KERNEL_MAIN   := $(if $(strip $(APP)),$(APP),assembly/main.ts)
APP_STAMP     := $(B)/.app-$(shell printf '%s' '$(APP)' | md5sum | cut -c1-8)
ifeq ($(wildcard $(KERNEL_MAIN)),)
$(error APP=$(APP): no such file (give the path of your kernel's main.ts, for example APP=examples/blink/main.ts))
endif
# (after the check: a refused APP must not make the next build start again)
# (not for make flash, which builds nothing: it must not switch the stamp either)
ifeq ($(filter flash,$(MAKECMDGOALS)),)
$(call stamp,$(APP_STAMP),$(B)/.app-*)
endif
KERNEL_ENTRY  := $(B)/app/index.ts
$(B)/app/index.ts: $(KERNEL_MAIN) tools/kernel/app-entry.ts $(APP_STAMP) | $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/kernel/app-entry.js --app $(KERNEL_MAIN) --out $@
# (the examples are sources of the default kernel too: it re-exports the tour)
# (With its source map, build/kernel.wasm.map, for the simulator's page: make sim, docs/simulator.md;
# the stamp rebuilds a kernel.wasm made before the map was.)
KERNEL_MAP_STAMP := $(B)/.kernel-sourcemap-1
$(call stamp,$(KERNEL_MAP_STAMP),$(B)/.kernel-sourcemap-*)
$(eval $(call wasm_rule,$(KERNEL_ENTRY),$(B)/kernel.wasm,$(APP_STAMP) $(KERNEL_MAP_STAMP) $(wildcard $(dir $(KERNEL_MAIN))*.ts) $(wildcard examples/*/*.ts),--sourceMap))
# The development build make push sends: the same program and checks, with
# Binaryen's optimiser at -O1 (0.8 s instead of 1.5 of a warm build of the
# tour; the module is about as large). make push RELEASE=1 sends the release build.
$(eval $(call wasm_rule,$(KERNEL_ENTRY),$(B)/dev/kernel.wasm,$(APP_STAMP) $(wildcard $(dir $(KERNEL_MAIN))*.ts) $(wildcard examples/*/*.ts),--optimizeLevel 1))

$(foreach t,$(TEST_KERNELS),$(eval $(call wasm_rule,tests/kernels/$(t).ts,$(B)/tests/$(t).wasm,$(TEST_LIB_SRCS))))

# ---- C and assembly ------------------------------------------------------
$(WASM3_DIR)/wasm3.h: $(SETUP)
	$(Q)tools/setup/fetch-wasm3.sh

$(B)/wasm3.mk: $(WASM3_DIR)/wasm3.h
	$(Q)echo "WASM3_SRCS := $$(ls $(WASM3_DIR)/m3_*.c | tr '\n' ' ')" > $@
ifeq ($(filter clean,$(MAKECMDGOALS)),)
include $(B)/wasm3.mk
endif

# Rebuild wasm3 when its flags change (a stamp named after them).
WASM3_FLAGS_STAMP := $(B)/.wasm3-flags-$(shell printf '%s' '$(WASM3_CFLAGS)' | md5sum | cut -c1-8)
$(call stamp,$(WASM3_FLAGS_STAMP),$(B)/.wasm3-flags-*)
# Relink the images when the link's flags change (--wrap=realloc once did not).
LDFLAGS_STAMP := $(B)/.ldflags-$(shell printf '%s' '$(LDFLAGS)' | md5sum | cut -c1-8)
$(call stamp,$(LDFLAGS_STAMP),$(B)/.ldflags-*)
$(B)/obj/wasm3/%.o: $(WASM3_DIR)/%.c $(WASM3_DIR)/wasm3.h boot/wasm/no_yield.h boot/wasm/wasm3_ops.h
	$(call say,CC,wasm3/$*.c)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(WASM3_CFLAGS) $(if $(filter m3_core,$*),,$(WASM3_NO_YIELD)) -c $< -o $@

$(B)/obj/%.c.o: %.c $(WASM3_DIR)/wasm3.h $(B)/gen/abi.h $(B)/gen/boards.h $(B)/gen/push_protocol.h $(CONFIG)
	$(call say,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@ || \
		{ printf 'error: the C compiler stopped on %s (above: the line and reason; warnings are errors here)\n' $< >&2; exit 1; }
# host.c reads wasm3's structs (m3_env.h), whose fields depend on its
# configuration: it sees them as wasm3 was built.
$(B)/obj/boot/wasm/host.c.o: CFLAGS += $(WASM3_CONFIG)
$(B)/obj/gen/abi_link.c.o: $(B)/gen/abi_link.c $(WASM3_DIR)/wasm3.h
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iboot/wasm -c $< -o $@
$(B)/obj/%.S.o: %.S $(SETUP) $(B)/gen/abi.h $(B)/gen/boards.h
	$(call say,AS,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The stub, wasm3 and the host ABI, without a kernel: every image links it.
$(B)/stub.a: $(STUB_OBJS) $(WASM3_OBJS)
	$(Q)rm -f $@ && $(CROSS)ar rcs $@ $^
# (named as prerequisites of each object, not in the pattern rule, so that
# make does not take the stamp for an intermediate file it may skip)
$(WASM3_OBJS): $(WASM3_FLAGS_STAMP)

# ---- images: stub + one kernel ---------------------------------------------
# Two backends, each with its own images, so one make (and make test) can
# build both: wasm3 (the interpreter, the default) in build/, aot in build/aot/.
# make BACKEND=aot picks which one make, make qemu, make sdcard and make bench
# use. aot: each image's kernel.wasm is translated to C by wasm2c (Debian's
# wabt, which setup installs) and compiled into the image with our own
# runtime (boot/aot/), in place of wasm3 (issue 15, docs/architecture.md).
WASM2C        ?= wasm2c
# The text of each kernel.wasm, beside it (build/kernel.wat): wabt's, from
# the module and its names. asc's --textFile took 0.8 s of every build,
# which is most of what make push waits for beyond asc itself.
WASM2WAT      ?= wasm2wat
NM            := $(CROSS)nm
# wasm2c's output: the guard-page mode (WASM_RT_MEMCHECK_SIGNAL_HANDLER):
# no compare before each load and store, because nothing is mapped in the
# 8 GiB after the shared window that a wasm address (u32 + u32 offset) can
# reach, and the data abort becomes a wasm trap (boot/aot/aot.c, mmu.c); bulk
# operations still compare. No call-depth counter either: a C stack overflow
# hits the guard page under the core's stack and becomes a trap too.
AOT_DEFS      := -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1 -DWASM_RT_USE_STACK_DEPTH_COUNT=0
AOT_CFLAGS    := $(filter-out -ffreestanding -mstrict-align,$(CFLAGS_COMMON)) $(MEMORY_DEFS) -w $(AOT_DEFS) -I$(B)/aot/include
AOT_FLAGS_STAMP := $(B)/.aot-flags-$(shell printf '%s' '$(AOT_CFLAGS)' | md5sum | cut -c1-8)
$(call stamp,$(AOT_FLAGS_STAMP),$(B)/.aot-flags-*)
# wasm-rt.h comes with the same package as wasm2c (/usr/include): copied into build/, never committed.
$(B)/aot/include/wasm-rt.h: $(SETUP)
	$(Q)mkdir -p $(dir $@)
	$(Q)src=$$(dirname $$(command -v $(WASM2C)))/../include/wasm-rt.h; \
		test -f $$src || { echo "error: $$src is missing: the wabt package (tools/setup/setup.sh) installs wasm2c and it" >&2; exit 1; }; cp $$src $@
# The aot stub: no wasm3 (host.c loads it), and the hot host modules and the
# import adapters are compiled into each image's own unit (boot/aot/unit.c).
AOT_UNIT_HOST := $(patsubst %,boot/wasm/host_%.c,mmio atomic queue)
AOT_STUB_OBJS := $(filter-out $(B)/obj/boot/wasm/host.c.o $(patsubst %,$(B)/obj/%.o,$(AOT_UNIT_HOST)),$(STUB_OBJS))
# (remade when its list of members changes: a stamp named after the list)
AOT_STUB_STAMP := $(B)/.aot-stub-$(shell printf '%s' '$(AOT_STUB_OBJS)' | md5sum | cut -c1-8)
$(call stamp,$(AOT_STUB_STAMP),$(B)/.aot-stub-*)
$(B)/stub-aot.a: $(AOT_STUB_OBJS) $(AOT_STUB_STAMP)
	$(Q)rm -f $@ && $(CROSS)ar rcs $@ $(AOT_STUB_OBJS)

# $(1) = wasm file, $(2) = image name (without .img), $(3) = extra objects (tests)
define image_rule_wasm3
$(B)/obj/$(2).payload.o: boot/wasm/payload.S $(1)
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$(CC) $(CFLAGS) -DWASM_PATH='"$(1)"' -c $$< -o $$@
$(B)/$(2).elf: $(B)/obj/$(2).payload.o $(3) $(B)/stub.a linker/kernel8.ld $(CONFIG) $(LDFLAGS_STAMP)
	$$(call say,LD,$$@)
	$(Q)$(CC) $(LDFLAGS) -Wl,-Map=$(B)/$(2).map -o $$@ $(3) $(B)/obj/$(2).payload.o -Wl,--whole-archive $(B)/stub.a -Wl,--no-whole-archive
$(B)/$(2).img: $(B)/$(2).elf
	$(Q)$(OBJCOPY) -O binary $$< $$@
endef
# The aot image links twice: the first link gives the generated functions'
# addresses, from which tools/kernel/aot-syms.ts writes the table a trap names its
# function from (in .aot_syms, after the code, so the second link moves no
# function: aot-syms checks that too).
define image_rule_aot
$(B)/aot/c/$(2)/kernel.c $(B)/aot/c/$(2)/kernel.h $(B)/aot/c/$(2)/imports.h &: $(1) tools/kernel/aot-fixed-memory.ts | $(TOOLS)
	$$(call say,WASM2C,$(1))
	$(Q)$(NODE) $(TJS)/tools/kernel/check-wasm.js $(1)
	$(Q)mkdir -p $(B)/aot/c/$(2)
	$(Q)mkdir -p $(B)/aot/c/$(2)/raw
	$(Q)$(WASM2C) $(1) -n kernel -o $(B)/aot/c/$(2)/raw/kernel.c
	$(Q)cp $(B)/aot/c/$(2)/raw/kernel.h $(B)/aot/c/$(2)/kernel.h
	$(Q)$(NODE) $(TJS)/tools/kernel/aot-fixed-memory.js $(B)/aot/c/$(2)/raw/kernel.c $(B)/aot/c/$(2)/kernel.c
	$(Q)n=$$$$(grep -c '^struct Z_[A-Za-z0-9]*_instance_t;$$$$' $(B)/aot/c/$(2)/kernel.h); \
		printf '/* made by the Makefile: one null per host module this kernel imports (wasm2c takes an instance of each) */\n#define AOT_IMPORTS %s\n' "$$$$(yes ', 0' | head -n $$$$n | tr -d '\n')" > $(B)/aot/c/$(2)/imports.h; \
		if grep -q 'Z_kernelZ___async_name' $(B)/aot/c/$(2)/kernel.h; then echo '#define AOT_HAS_ASYNC_LOCATION 1' >> $(B)/aot/c/$(2)/imports.h; fi
$(B)/aot/obj/$(2)/kernel.o: boot/aot/unit.c $(B)/aot/c/$(2)/kernel.c $(B)/gen/aot_imports.c $(B)/gen/boards.h $(B)/gen/push_protocol.h $(AOT_UNIT_HOST) boot/wasm/host.h boot/aot/aot.h $(B)/aot/include/wasm-rt.h $(WASM3_DIR)/wasm3.h $(AOT_FLAGS_STAMP)
	$$(call say,CC,$(B)/aot/c/$(2)/kernel.c)
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$(CC) $(AOT_CFLAGS) -I$(B)/aot/c/$(2) $(BOOT_INCLUDES) -Iboot/aot -I$(B)/gen -I$(WASM3_DIR) -c $$< -o $$@
$(B)/aot/obj/$(2)/aot.o: boot/aot/aot.c boot/aot/aot.h $(B)/aot/c/$(2)/kernel.h $(B)/aot/c/$(2)/imports.h $(B)/aot/include/wasm-rt.h $(B)/gen/abi.h $(B)/gen/boards.h $(B)/gen/push_protocol.h
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$(CC) $(CFLAGS) -Wno-missing-field-initializers $(AOT_DEFS) -I$(B)/aot/c/$(2) -I$(B)/aot/include -c $$< -o $$@
$(B)/aot/$(2).pass1.elf: $(B)/aot/obj/$(2)/kernel.o $(B)/aot/obj/$(2)/aot.o $(3) $(B)/stub-aot.a linker/kernel8.ld $(CONFIG) $(LDFLAGS_STAMP)
	$(Q)mkdir -p $$(dir $$@)
	$(Q)$(CC) $(LDFLAGS) -o $$@ $(3) $(B)/aot/obj/$(2)/kernel.o $(B)/aot/obj/$(2)/aot.o -Wl,--whole-archive $(B)/stub-aot.a -Wl,--no-whole-archive
$(B)/aot/c/$(2)/syms.c: $(B)/aot/$(2).pass1.elf $(1) | $(TOOLS)
	$(Q)$(NM) -n -S --defined-only $$< > $(B)/aot/c/$(2)/pass1.nm
	$(Q)$(NODE) $(TJS)/tools/kernel/aot-syms.js --nm $(B)/aot/c/$(2)/pass1.nm --wasm $(1) --out $$@
$(B)/aot/obj/$(2)/syms.o: $(B)/aot/c/$(2)/syms.c
	$(Q)$(CC) $(CFLAGS) -c $$< -o $$@
$(B)/aot/$(2).elf: $(B)/aot/$(2).pass1.elf $(B)/aot/obj/$(2)/syms.o $(LDFLAGS_STAMP)
	$$(call say,LD,$$@)
	$(Q)$(CC) $(LDFLAGS) -Wl,-Map=$(B)/aot/$(2).map -o $$@ $(3) $(B)/aot/obj/$(2)/kernel.o $(B)/aot/obj/$(2)/aot.o $(B)/aot/obj/$(2)/syms.o -Wl,--whole-archive $(B)/stub-aot.a -Wl,--no-whole-archive
	$(Q)$(NM) -n -S --defined-only $$@ | $(NODE) $(TJS)/tools/kernel/aot-syms.js --check $(B)/aot/c/$(2)/pass1.nm --nm - || { rm -f $$@; exit 1; }
$(B)/aot/$(2).img: $(B)/aot/$(2).elf
	$(Q)$(OBJCOPY) -O binary $$< $$@
endef
define newline


endef
image_rule = $(call image_rule_wasm3,$(1),$(2),$(3))$(newline)$(call image_rule_aot,$(1),$(2),$(3))
$(eval $(call image_rule,$(B)/kernel.wasm,kernel8))
$(foreach t,$(TEST_KERNELS),$(eval $(call image_rule,$(B)/tests/$(t).wasm,tests/$(t))))

# The example programs (examples/<name>/main.ts), each an image of its own, booted by make test.
EXAMPLES      := $(patsubst examples/%/main.ts,%,$(wildcard examples/*/main.ts))
$(B)/examples/%/index.ts: examples/%/main.ts tools/kernel/app-entry.ts | $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/kernel/app-entry.js --app $< --out $@
$(foreach e,$(EXAMPLES),$(eval $(call wasm_rule,$(B)/examples/$(e)/index.ts,$(B)/examples/$(e).wasm,$(wildcard examples/$(e)/*.ts))))
$(foreach e,$(EXAMPLES),$(eval $(call image_rule,$(B)/examples/$(e).wasm,examples/$(e))))
EXAMPLE_IMAGES := $(foreach e,$(EXAMPLES),$(B)/examples/$(e).img)

# A kernel project's QEMU checks (tspi test) and benchmarks (tspi bench):
# each test/<name>.ts and bench/<name>.ts of the project is a program of its
# own, build/test/<name>.img and build/benches/<name>.img (tools/cli/tspi.ts).
ifneq ($(TSPI_PROJECT),)
define project_programs
PROJECT_$(1) := $$(patsubst $(PROJECT)/$(2)/%.ts,%,$$(filter-out %.spec.ts %.d.ts,$$(wildcard $(PROJECT)/$(2)/*.ts)))
$(B)/$(3)/%/index.ts: $(PROJECT)/$(2)/%.ts tools/kernel/app-entry.ts | $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/kernel/app-entry.js --app $$< --out $$@
$$(foreach t,$$(PROJECT_$(1)),$$(eval $$(call wasm_rule,$(B)/$(3)/$$(t)/index.ts,$(B)/$(3)/$$(t).wasm,$$(wildcard $(PROJECT)/src/*.ts $(PROJECT)/$(2)/*.ts))))
$$(foreach t,$$(PROJECT_$(1)),$$(eval $$(call image_rule,$(B)/$(3)/$$(t).wasm,$(3)/$$(t))))
endef
$(eval $(call project_programs,TESTS,test,test))
$(eval $(call project_programs,BENCHES,bench,benches))
endif

# Broken modules for the "bad input" tests: they skip validation on purpose.
$(B)/tests/truncated.wasm: $(B)/tests/boot.wasm
	$(Q)head -c $$(( $$(stat -c %s $<) * 2 / 3 )) $< > $@
$(eval $(call image_rule,$(B)/tests/truncated.wasm,tests/truncated))
$(B)/tests/bad-import.wasm: tests/kernels-bad/bad-import.ts $(AS_SRCS) asconfig.json $(SETUP) $(CONFIG) | $(TOOLS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(ASYNC_ASC) $< --target release --initialMemory $(WASM_PAGES) --maximumMemory $(WASM_PAGES) --outFile $@ --textFile $(@:.wasm=.wat)
$(eval $(call image_rule,$(B)/tests/bad-import.wasm,tests/bad-import))

# A kernel built for another memory size than the image shares: 2 MiB, not KERNEL_MEMORY_MB.
$(B)/tests/wrong-memory.wasm: tests/kernels/boot.ts $(AS_SRCS) asconfig.json $(SETUP) | $(TOOLS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(ASYNC_ASC) $< --target release --initialMemory 32 --maximumMemory 32 --outFile $@
$(eval $(call image_rule,$(B)/tests/wrong-memory.wasm,tests/wrong-memory))

# A stub fault (not a wasm trap): core 3 writes to unmapped memory before it
# runs the kernel, to show the crash dump. Same stub, plus tests/stub/crash.c.
$(eval $(call image_rule,$(B)/tests/boot.wasm,tests/crash,$(B)/obj/tests/stub/crash.c.o))

# The allocator as a plain wasm module, for the node tests (tests/host/alloc.test.ts).
$(B)/tests/harness/alloc.wasm: tests/harness/alloc.ts $(AS_SRCS) asconfig.json | $(TOOLS)
	$(call say,ASC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(ASYNC_ASC) $< --target release --initialMemory 256 --maximumMemory 256 --exportStart _initialize --outFile $@ --textFile $(@:.wasm=.wat)
HARNESSES := $(B)/tests/harness/alloc.wasm

# A C stack overflow on core 1 (tests/stub/overflow.c): the guard page.
$(eval $(call image_rule,$(B)/tests/boot.wasm,tests/overflow,$(B)/obj/tests/stub/overflow.c.o))

# The device trees every SD card carries (defined before the first rule that
# names them: make expands a rule's prerequisites as it reads the rule).
# (one per model in tools/boards/spec.ts: tests/host/boards.test.ts checks the two agree)
DTS_BOARDS := $(patsubst boot/dts/%.dts,%,$(wildcard boot/dts/*.dts))
DTBS       := $(patsubst %,$(B)/dts/%.dtb,$(DTS_BOARDS))

# Programs for a real board (tests/hardware/README.md): built by make test, run by hand.
HARDWARE_PROGRAMS := $(patsubst tests/hardware/%.ts,%,$(wildcard tests/hardware/*.ts))
$(foreach t,$(HARDWARE_PROGRAMS),$(eval $(call wasm_rule,tests/hardware/$(t).ts,$(B)/hardware/$(t).wasm)))
$(foreach t,$(HARDWARE_PROGRAMS),$(eval $(call image_rule,$(B)/hardware/$(t).wasm,hardware/$(t))))
HARDWARE_IMAGES := $(foreach t,$(HARDWARE_PROGRAMS),$(B)/hardware/$(t).img)
hardware: $(HARDWARE_IMAGES)
$(B)/hardware/%-sdcard.img: $(B)/hardware/%.img $(DTBS) $(B)/firmware/.version boot/sdcard/config.txt boot/sdcard/cmdline.txt $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/card/sdcard.js --out $@ --kernel $<
$(B)/aot/hardware/%-sdcard.img: $(B)/aot/hardware/%.img $(DTBS) $(B)/firmware/.version boot/sdcard/config.txt boot/sdcard/cmdline.txt $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/card/sdcard.js --out $@ --kernel $<
hardware-sdcard:
	@test -n "$(PROGRAM)" || { echo "usage: make hardware-sdcard PROGRAM=<name>; programs: $(HARDWARE_PROGRAMS)" >&2; exit 2; }
	@test -f tests/hardware/$(PROGRAM).ts || { echo "error: no tests/hardware/$(PROGRAM).ts; programs: $(HARDWARE_PROGRAMS)" >&2; exit 2; }
	$(Q)$(MAKE) --no-print-directory $(IMG)/hardware/$(PROGRAM)-sdcard.img

# What make test boots, per backend. The aot backend has no truncated or
# bad-import image: check-wasm refuses them before wasm2c, at build time
# (tests/host/build.test.ts), where wasm3 finds them at boot.
TEST_IMAGES_wasm3 := $(foreach t,$(TEST_KERNELS) truncated bad-import wrong-memory crash overflow,$(B)/tests/$(t).img)
TEST_IMAGES_aot   := $(foreach t,$(TEST_KERNELS) wrong-memory crash overflow,$(B)/aot/tests/$(t).img)

# ---- benchmarks: the same stub, bench/kernel.ts (wasm3) and bench/native.c ----
$(eval $(call wasm_rule,bench/kernel.ts,$(B)/bench/kernel.wasm))
$(eval $(call image_rule,$(B)/bench/kernel.wasm,bench/bench,$(B)/obj/bench/native.c.o $(B)/obj/bench/native_exec.c.o))
# The tour (examples/tour, what kernel8.img runs until assembly/main.ts is
# yours) with a probe that prints its boot cost: a fixed kernel, not the user's.
$(eval $(call image_rule,$(B)/examples/tour.wasm,bench/boot,$(B)/obj/bench/boot_figure.c.o))

# ---- SD card: firmware (pinned Debian package), our device trees, config.txt ----
$(B)/dts/%.dtb: boot/dts/%.dts $(wildcard boot/dts/*.dtsi boot/dts/*.dts) $(SETUP)
	$(call say,DTC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<
$(B)/firmware/.version: tools/card/fetch-firmware.sh $(SETUP)
	$(Q)tools/card/fetch-firmware.sh
$(B)/sdcard.img: $(B)/kernel8.img $(DTBS) $(B)/firmware/.version boot/sdcard/config.txt boot/sdcard/cmdline.txt $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/card/sdcard.js --out $@ --kernel $< --program "$(APP)"
$(B)/aot/sdcard.img: $(B)/aot/kernel8.img $(DTBS) $(B)/firmware/.version boot/sdcard/config.txt boot/sdcard/cmdline.txt $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/card/sdcard.js --out $@ --kernel $< --program "$(APP)"
sdcard: $(IMG)/sdcard.img

# make flash DEVICE=/dev/sdX [APP=...] [FORCE=1] [YES=1]: write the card that
# make sdcard built (or IMAGE), checked. It builds nothing: a card for another
# program than APP, or older than its sources, is refused with what to run.
FLASH_IMAGE := $(if $(IMAGE),$(IMAGE),$(IMG)/sdcard.img)
flash: $(TOOLS)
	$(Q)stale=; $(if $(IMAGE)$(filter-out $(CARD_HOLDS),$(APP))$(filter-out $(APP),$(CARD_HOLDS)),,[ ! -f $(FLASH_IMAGE) ] || $(MAKE) --no-print-directory -q $(FLASH_IMAGE) APP="$(APP)" || stale=--stale;) \
		$(NODE) $(TJS)/tools/card/flash.js --device "$(DEVICE)" $(if $(IMAGE),,$(if $(APP_GIVEN),--program "$(APP)") $$stale) $(if $(FORCE),--force) $(if $(YES),--yes) $(FLASH_IMAGE)

# make gdb [BOARD=pi4]: QEMU paused with a gdb server, gdb-multiarch attached.
gdb: $(IMG)/kernel8.img $(TOOLS)
	$(Q)SERIAL_LOG=$(B)/serial.log tools/run/gdb.sh $(BOARD) $(IMG)/kernel8.img

# ---- run -----------------------------------------------------------------
# make console DEVICE=/dev/ttyUSB0 [BAUD=115200] [TIMESTAMPS=1]: our serial
# terminal (tools/run/console.ts) on a board; without DEVICE (and make qemu), on
# the kernel booted in QEMU with its UART on a pty. Ctrl-] quits. Either
# shares the UART on build/uart.sock, for make push from another terminal.
BAUD          ?= 115200
UART_SOCKET   := $(B)/uart.sock
# make push [DEVICE=...] [WAIT=15] [RELEASE=1]: a new kernel.wasm into the
# running kernel, no reboot (docs/push.md): the development build,
# build/dev/kernel.wasm, or with RELEASE=1 the release build/kernel.wasm. Without DEVICE, through the make console
# or make qemu that is running; with DEVICE, straight to the board's adapter,
# and then on as its console. No answer: it knocks for WAIT seconds, time to
# reset a wedged board into the stub's boot window.
# With DEVICE the module itself goes at PUSH_BAUD if the board and the
# adapter both manage it (else at BAUD; PUSH_BAUD=0 never tries).
WAIT          ?= 15
PUSH_BAUD     ?= 921600
# An aot image has its kernel compiled in and takes no push: refuse before
# building or sending anything (issue 29).
ifneq ($(filter push,$(MAKECMDGOALS)),)
ifeq ($(BACKEND),aot)
$(error make push BACKEND=aot: an aot image takes no push (its kernel is compiled into the image, not loaded from kernel.wasm). Boot a new image instead (make BACKEND=aot qemu, or make BACKEND=aot sdcard for a board), or run a wasm3 image (make qemu) and push into it (make push))
endif
endif
PUSH_MODULE   := $(if $(RELEASE),$(B)/kernel.wasm,$(B)/dev/kernel.wasm)
push: $(PUSH_MODULE) $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/push/push.js $(if $(DEVICE),--device "$(DEVICE)" --baud $(BAUD) --fast-baud $(PUSH_BAUD),--socket $(UART_SOCKET)) --wait $(WAIT) $(if $(FORCE),--force) $(PUSH_MODULE)
console: $(if $(DEVICE),,$(IMG)/kernel8.img) $(TOOLS)
	$(Q)( $(COMPILER) start --idle-exit 1800000 --while-pid $$$$ ); $(NODE) $(TJS)/tools/run/console.js $(if $(DEVICE),--device "$(DEVICE)",--qemu $(IMG)/kernel8.img --board $(BOARD)) --baud $(BAUD) $(if $(TIMESTAMPS),--timestamps) --share $(UART_SOCKET)

# make sim [BOARD=pi4] [SIM_PORT=8026]: the kernel in the simulator's page on
# localhost (tools/sim, docs/simulator.md): no QEMU, no board, and input pins
# to press. Each new build of kernel.wasm (make, in another terminal) is
# pushed to the pages open.
SIM_PORT      ?= 8026
sim: $(B)/kernel.wasm $(TOOLS)
	$(Q)$(NODE) $(TJS)/tools/sim/serve.js --kernel $(B)/kernel.wasm --board $(BOARD) --port $(SIM_PORT) --project $(PROJECT)

# make qemu: the kernel in QEMU on four cores, in our console (as make console).
qemu: $(IMG)/kernel8.img $(TOOLS)
	$(Q)( $(COMPILER) start --idle-exit 1800000 --while-pid $$$$ ); $(NODE) $(TJS)/tools/run/console.js --qemu $(IMG)/kernel8.img --board $(BOARD) $(if $(TIMESTAMPS),--timestamps) --share $(UART_SOCKET)

# ---- tests ---------------------------------------------------------------
# The host tools, then the kernel code against AssemblyScript's declarations
# (assembly/tsconfig.json: the kernel, test kernels, hardware programs, bench
# kernel) and the as-pect specs. asc checks less than tsc does (it reports
# only what it compiles), so this is what keeps an editor free of red.
typecheck: $(TOOLS)
	$(call say,TSC,--noEmit)
	$(Q)$(TSC) --noEmit -p tsconfig.json
	$(call say,TSC,kernel)
	$(Q)$(TSC) --noEmit -p assembly/tsconfig.json
	$(call say,TSC,specs)
	$(Q)$(TSC) --noEmit -p tests/spec/tsconfig.json

# The kernels tests/host/sim.test.ts runs in the simulator (tools/sim): the same files QEMU boots.
SIM_TEST_WASM := $(B)/examples/button.wasm $(B)/examples/screen.wasm $(B)/examples/servo.wasm $(B)/tests/bad-import.wasm $(foreach t,channels stress mpmc timers gpio i2c i2c-devices spi dma screen trap-fb trap-task trap-unreachable trap-abort trap-async trap-mmio,$(B)/tests/$(t).wasm)
TEST_HOST_NEEDS := $(SIM_TEST_WASM) $(B)/gen/abi_link.c $(B)/gen/boards.h $(B)/gen/push_protocol.h $(B)/kernel.wasm $(B)/stub.a $(HARNESSES) $(B)/sdcard.img $(B)/aot/sdcard.img $(HARDWARE_IMAGES) $(B)/tests/truncated.wasm $(B)/tests/bad-import.wasm
test-host: $(if $(TYPECHECKED),,typecheck) $(TEST_HOST_NEEDS)
	$(call say,TEST,as-pect)
	$(Q)$(NODE) $(TJS)/tools/testing/spec.js --dir tests/spec
	$(call say,TEST,node)
	$(Q)$(NODE) --test --test-concurrency=$(TEST_JOBS) $(B)/tools/tests/host/

# The whole QEMU suite once per backend (KERNEL_BACKEND tells tests/qemu/lib.ts
# where the images are). make test runs both; make test BACKEND=aot only that one.
TEST_BACKENDS := $(if $(filter command line environment,$(origin BACKEND)),$(BACKEND),wasm3 aot)
define test_qemu_rule
TEST_QEMU_NEEDS_$(1) := $(IMG_$(1))/kernel8.img $(TEST_IMAGES_$(1)) $(patsubst $(B)/%,$(IMG_$(1))/%,$(EXAMPLE_IMAGES) $(B)/hardware/selftest.img $(B)/bench/bench.img $(B)/bench/boot.img) $(DTBS) $(TOOLS)
test-qemu-$(1): $$(TEST_QEMU_NEEDS_$(1))
	$$(call say,TEST,qemu-$(1))
	$(Q)KERNEL_BACKEND=$(1) $(NODE) --test --test-concurrency=2 $(B)/tools/tests/qemu/
endef
$(foreach b,wasm3 aot,$(eval $(call test_qemu_rule,$(b))))
test-qemu: $(foreach b,$(TEST_BACKENDS),test-qemu-$(b))

# make test builds everything its tests boot first, as many jobs at a time as
# the machine has cores (a few hundred compiles and links: most of a fresh
# clone's time before the tests), then runs the tests one suite after another
# (each suite spreads its own work over the cores).
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# (The type-check, three tsc runs, goes alongside the builds.)
test-images: $(TEST_HOST_NEEDS) $(foreach b,$(TEST_BACKENDS),$(TEST_QEMU_NEEDS_$(b)))
# The builds go through a resident compiler with a thread per job (started
# once the tools are built, stopped once the images are).
test:
	$(Q)$(MAKE) --no-print-directory tools
	$(Q)( $(COMPILER) start --workers $(TEST_JOBS) --idle-exit 600000 --while-pid $$$$ ); \
		$(MAKE) --no-print-directory -j$(TEST_JOBS) typecheck test-images; s=$$?; ( $(COMPILER) stop ); exit $$s
	$(Q)$(MAKE) --no-print-directory TYPECHECKED=1 test-host test-qemu

# The executor's stress rounds for many seeds, and the collector at volume, both
# boards, with and without -icount (tests/soak/, tests/kernels/lib/). Not part of make test.
# Three images: the rounds with dispose(), and with none in a small heap (the
# collector frees); and the collector's checks of tests/kernels/gc.ts at five times the volume.
SOAK_KERNELS  := stress-soak stress-soak-gc gc-soak exec-load-soak mpmc-soak
$(foreach k,$(SOAK_KERNELS),$(eval $(call wasm_rule,tests/soak/$(k).ts,$(B)/soak/$(k).wasm,$(TEST_LIB_SRCS))))
$(foreach k,$(SOAK_KERNELS),$(eval $(call image_rule,$(B)/soak/$(k).wasm,soak/$(k))))
soak: $(foreach k,$(SOAK_KERNELS),$(IMG)/soak/$(k).img) $(TOOLS)
	$(call say,SOAK,$(IMG)/soak)
	$(Q)$(NODE) $(TJS)/tools/bench/soak.js $(foreach k,$(SOAK_KERNELS),$(IMG)/soak/$(k).img)

# Instructions per operation, wasm3 and aot against native C, both boards (-icount), one run.
# (kernel8.img of both backends too: the report gives their sizes, from their link maps)
bench: $(B)/bench/bench.img $(B)/bench/boot.img $(B)/aot/bench/bench.img $(B)/aot/bench/boot.img $(B)/examples/tour.img $(B)/examples/tour.wasm $(B)/kernel8.img $(B)/aot/kernel8.img $(foreach k,channels exec mpmc stress timers,$(B)/tests/$(k).img) $(TOOLS)
	$(call say,BENCH,$<)
	$(Q)$(NODE) $(TJS)/tools/bench/bench.js --aot $(B)/aot/bench/bench.img --aot-boot-image $(B)/aot/bench/boot.img --push $(B)/examples/tour.img $(B)/examples/tour.wasm --sim $(B)/bench/kernel.wasm $<
	$(Q)$(NODE) $(TJS)/tools/bench/perf-doc.js bench/results.json

clean:
	rm -rf $(B)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
