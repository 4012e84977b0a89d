# Fuzzing: one libFuzzer target per parser of data Amphi does not control,
# built with clang for the build machine under the address and
# undefined-behaviour sanitizers.
#
#   make fuzz                    every target for FUZZ_SECONDS (60) each
#   make fuzz FUZZ_SECONDS=N     longer or shorter
#   make fuzz FUZZ_TARGETS=acpi  only some
#   make fuzz-build              build them, run nothing
#   make fuzz-cov                the lines each target's corpus covers, and
#                                the ones it does not (tests/fuzz/cov.sh)
#
# Kernel sources are compiled as tests/host/host.mk compiles them, with
# tests/host/host_rename.h forced in, and with the fuzzer's coverage
# instrumentation.  The seeds are tests/fuzz/corpus/TARGET/ (kept in the
# tree, never written to); what the fuzzer adds to them and any crash it
# finds go under $(B)/fuzz/.  Only FUZZ_ variables are defined here.

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   := -std=gnu11 -g -O1 -fno-omit-frame-pointer -fno-strict-aliasing \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Iinclude $(FUZZ_SANITIZE) \
	-D__XEN_INTERFACE_VERSION__=0x00040e00 \
	-fsanitize=fuzzer-no-link
FUZZ_KFLAGS   := -fno-builtin -include tests/host/host_rename.h
FUZZ_DIR      := $(B)/fuzz

# Each target and the kernel sources it exercises.
FUZZ_ALL          := xs_wire cmdline memmap acpi ipconfig multiboot2 pvh start_info blkif_rsp \
	blkif_be netif_rsp netif_be console_ring cpio fs elf rtc_time
FUZZ_TARGETS      ?= $(FUZZ_ALL)
FUZZ_KSRC_xs_wire := drivers/xen/xenbus/xs_wire.c drivers/xen/xenbus/xenbus_state.c lib/string.c
FUZZ_KSRC_cmdline := lib/cmdline.c lib/string.c
FUZZ_KSRC_memmap  := mm/memmap.c lib/string.c
FUZZ_KSRC_acpi    := lib/acpi.c lib/string.c
FUZZ_KSRC_ipconfig := lib/ipconfig.c lib/string.c
FUZZ_KSRC_multiboot2 := arch/x86/boot/multiboot2.c arch/x86/boot/bootinfo.c mm/memmap.c lib/string.c
FUZZ_KSRC_pvh     := arch/x86/boot/pvh.c arch/x86/boot/bootinfo.c mm/memmap.c lib/string.c
FUZZ_KSRC_blkif_rsp := drivers/xen/blkif_check.c
FUZZ_KSRC_blkif_be := drivers/xen/blkif_check.c
FUZZ_KSRC_netif_rsp := drivers/xen/netif_check.c lib/string.c
FUZZ_KSRC_netif_be := drivers/xen/netif_check.c lib/string.c
FUZZ_KSRC_console_ring := drivers/xen/console_ring_check.c
FUZZ_KSRC_cpio    := lib/cpio.c lib/string.c
FUZZ_KSRC_fs      := fs/vfs.c fs/namei.c fs/inode_ops.c fs/ramfs_data.c lib/string.c
FUZZ_KSRC_elf     := lib/elf.c lib/string.c
FUZZ_KSRC_rtc_time := lib/rtc_time.c
FUZZ_KSRC_start_info := arch/x86/xen/start_info.c arch/x86/boot/bootinfo.c mm/memmap.c lib/string.c

FUZZ_BINS := $(FUZZ_ALL:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_KOBJ := $(sort $(foreach t,$(FUZZ_ALL),$(FUZZ_KSRC_$(t):%.c=$(FUZZ_DIR)/k/%.o)))
FUZZ_TOBJ := $(FUZZ_ALL:%=$(FUZZ_DIR)/t/fuzz_%.o)
# libFuzzer comes with clang's runtime libraries (Debian's
# libclang-rt-14-dev, which clang only recommends).
FUZZ_RT   := $(shell $(FUZZ_CC) -print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-x86_64.a

.PHONY: fuzz fuzz-build fuzz-rt fuzz-cov
fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: fuzz-rt $(FUZZ_BINS)

fuzz-rt:
	@test -f $(FUZZ_RT) || { echo "error: $(FUZZ_CC) has no libFuzzer ($(FUZZ_RT)): run 'make deps' (Debian libclang-rt-14-dev)"; exit 1; }

$(FUZZ_DIR)/k/%.o: %.c tests/host/host_rename.h
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_KFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_DIR)/t/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

define FUZZ_LINK
$(FUZZ_DIR)/fuzz_$(1): $(FUZZ_DIR)/t/fuzz_$(1).o $(FUZZ_KSRC_$(1):%.c=$(FUZZ_DIR)/k/%.o) | fuzz-rt
	@echo "  FUZZLD  $$@"
	@$$(FUZZ_CC) $$(FUZZ_SANITIZE) -fsanitize=fuzzer -o $$@ $$^
endef
$(foreach t,$(FUZZ_ALL),$(eval $(call FUZZ_LINK,$(t))))

$(FUZZ_KOBJ) $(FUZZ_TOBJ): tests/fuzz/fuzz.mk

-include $(FUZZ_KOBJ:.o=.d) $(FUZZ_TOBJ:.o=.d)

# The same targets built for line coverage instead of the sanitizers: each
# runs its corpus once (-runs=0) and llvm-cov counts the parser's lines.
FUZZ_COV_DIR    := $(B)/fuzz-cov
FUZZ_EMPTY      :=
FUZZ_SPACE      := $(FUZZ_EMPTY) $(FUZZ_EMPTY)
FUZZ_COMMA      := ,
FUZZ_COV_CFLAGS := $(filter-out $(FUZZ_SANITIZE),$(FUZZ_CFLAGS)) \
	-fprofile-instr-generate -fcoverage-mapping
FUZZ_COV_BINS   := $(FUZZ_TARGETS:%=$(FUZZ_COV_DIR)/fuzz_%)

fuzz-cov: fuzz-rt $(FUZZ_COV_BINS)
	@sh tests/fuzz/cov.sh $(FUZZ_COV_DIR) $(FUZZ_DIR) $(foreach t,$(FUZZ_TARGETS),$(t):$(subst $(FUZZ_SPACE),$(FUZZ_COMMA),$(filter-out lib/string.c,$(FUZZ_KSRC_$(t)))))

$(FUZZ_COV_DIR)/k/%.o: %.c tests/host/host_rename.h
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FUZZ_COV_CFLAGS) $(FUZZ_KFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_COV_DIR)/t/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -MMD -MP -c $< -o $@

define FUZZ_COV_LINK
$(FUZZ_COV_DIR)/fuzz_$(1): $(FUZZ_COV_DIR)/t/fuzz_$(1).o $(FUZZ_KSRC_$(1):%.c=$(FUZZ_COV_DIR)/k/%.o) | fuzz-rt
	@echo "  COVLD   $$@"
	@$$(FUZZ_CC) -fprofile-instr-generate -fsanitize=fuzzer -o $$@ $$^
endef
$(foreach t,$(FUZZ_ALL),$(eval $(call FUZZ_COV_LINK,$(t))))

FUZZ_COV_OBJ := $(FUZZ_KOBJ:$(FUZZ_DIR)/%=$(FUZZ_COV_DIR)/%) $(FUZZ_TOBJ:$(FUZZ_DIR)/%=$(FUZZ_COV_DIR)/%)
$(FUZZ_COV_OBJ): tests/fuzz/fuzz.mk
-include $(FUZZ_COV_OBJ:.o=.d)
