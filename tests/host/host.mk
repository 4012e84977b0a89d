# Host unit tests: the kernel's pure code, built for and run on the build
# machine under cmocka and the address and undefined-behaviour sanitizers.
#
#   make host-test                               from the top Makefile
#   make -f tests/host/host.mk B=build host-test  on its own
#
# Kernel sources are compiled with tests/host/host_rename.h forced in, so
# their memcpy, snprintf and friends become amphi_memcpy and so on and do
# not clash with the C library in the same binary.  Only HOST_ variables are
# defined here, to stay out of the top Makefile's way.

B ?= build

HOST_CC       ?= gcc
HOST_SANITIZE ?= -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_CFLAGS   := -std=gnu11 -g -O1 -fno-omit-frame-pointer -fno-strict-aliasing \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Iinclude $(HOST_SANITIZE)
HOST_KFLAGS   := -fno-builtin -include tests/host/host_rename.h
HOST_LIBS     := -lcmocka -lm
HOST_DIR      := $(B)/host

# Each test and the kernel sources it exercises.
HOST_TESTS        := string printf cmdline memmap frame heap pvpatch pvsites xs_wire sha256 ipconfig net_pattern acpi ticket \
	multiboot2 pvh start_info blkif_check cpio fs clock_guard netif_check console_ring_check xenbus_state elf pipe_ring n_tty rtc_time loadavg
HOST_KSRC_string  := lib/string.c
HOST_KSRC_printf  := lib/vsnprintf.c lib/string.c
HOST_KSRC_cmdline := lib/cmdline.c lib/string.c
HOST_KSRC_memmap  := mm/memmap.c lib/string.c
HOST_KSRC_frame   := mm/frame.c
HOST_KSRC_heap    := mm/heap.c
HOST_KSRC_pvpatch := lib/pvpatch.c lib/string.c
HOST_KSRC_xs_wire := drivers/xen/xenbus/xs_wire.c lib/string.c
HOST_KSRC_sha256  := lib/sha256.c lib/string.c
HOST_KSRC_ipconfig := lib/ipconfig.c lib/string.c
HOST_KSRC_acpi    := lib/acpi.c lib/string.c
HOST_KSRC_multiboot2 := arch/x86/boot/multiboot2.c arch/x86/boot/bootinfo.c mm/memmap.c lib/string.c
HOST_KSRC_pvh     := arch/x86/boot/pvh.c arch/x86/boot/bootinfo.c mm/memmap.c lib/string.c
HOST_KSRC_start_info := arch/x86/xen/start_info.c arch/x86/boot/bootinfo.c mm/memmap.c lib/string.c
HOST_KSRC_cpio    := lib/cpio.c lib/string.c
HOST_KSRC_fs      := fs/vfs.c fs/namei.c fs/inode_ops.c fs/ramfs_data.c lib/string.c
HOST_KSRC_blkif_check := drivers/xen/blkif_check.c
HOST_KSRC_clock_guard := lib/clock_guard.c
HOST_KSRC_netif_check := drivers/xen/netif_check.c lib/string.c
HOST_KSRC_console_ring_check := drivers/xen/console_ring_check.c
HOST_KSRC_xenbus_state := drivers/xen/xenbus/xenbus_state.c
HOST_KSRC_elf     := lib/elf.c lib/string.c
HOST_KSRC_pipe_ring := fs/pipe_ring.c fs/fdbits.c
HOST_KSRC_n_tty    := drivers/tty/n_tty.c lib/string.c
HOST_KSRC_rtc_time := lib/rtc_time.c
HOST_KSRC_loadavg := lib/loadavg.c
# Header only (include/amphi/ticket.h).
HOST_KSRC_ticket  :=
HOST_KSRC_net_pattern := lib/net_pattern.c lib/sha256.c lib/string.c
# Reads the kernel ELF itself: the top Makefile builds it first.
HOST_KSRC_pvsites := lib/pvpatch.c lib/string.c

HOST_BINS := $(HOST_TESTS:%=$(HOST_DIR)/test_%)
HOST_KOBJ := $(sort $(foreach t,$(HOST_TESTS),$(HOST_KSRC_$(t):%.c=$(HOST_DIR)/k/%.o)))
HOST_TOBJ := $(HOST_TESTS:%=$(HOST_DIR)/t/test_%.o)

.PHONY: host-test
ifdef KOBJ
host-test: $(B)/amphi.elf
endif
host-test: $(HOST_BINS)
	@AMPHI_ELF=$(B)/amphi.elf sh tests/host/run.sh $(HOST_BINS)

$(HOST_DIR)/k/%.o: %.c tests/host/host_rename.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_KFLAGS) -MMD -MP -c $< -o $@

$(HOST_DIR)/t/%.o: tests/host/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

# The link rule is generated per test so each binary gets its own sources.
define HOST_LINK
$(HOST_DIR)/test_$(1): $(HOST_DIR)/t/test_$(1).o $(HOST_KSRC_$(1):%.c=$(HOST_DIR)/k/%.o)
	$$(HOST_CC) $$(HOST_CFLAGS) -o $$@ $$^ $$(HOST_LIBS)
endef
$(foreach t,$(HOST_TESTS),$(eval $(call HOST_LINK,$(t))))

-include $(HOST_KOBJ:.o=.d) $(HOST_TOBJ:.o=.d)
