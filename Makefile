# Amphi: one x86-64 kernel ELF for bare hardware, Xen PV and PVH.
#
#   make          build build/amphi.elf
#   make run      boot it natively under QEMU into the console shell
#   make iso      a GRUB (multiboot2) bootable ISO, the path real hardware takes
#   make test     every test tier: host unit tests, then the in-VM scenarios
#   make fuzz     every fuzz target for FUZZ_SECONDS (60) each (tests/fuzz/)
#   make fuzz-cov the lines of each parser the fuzz corpora reach, and the ones they do not
#   make format   clang-format the kernel's sources; make format-check says which differ
#   make deps     install what the above need from Debian's packages
#
# Xen's public headers come from the system (Debian's libxen-dev).

CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
LD      := $(CC)
OBJCOPY ?= objcopy
B       := build

XEN_INC := /usr/include/xen

# The kernel is freestanding C: no red zone (interrupts land on the stack we
# are using), no SSE or x87 (we never save that state).  It is linked in the
# upper half at PAGE_OFFSET + 1 MiB (include/asm/page.h), outside the top
# 2 GiB that -mcmodel=kernel needs: compiled -fpie, every reference is
# RIP-relative, and it is still linked as a static executable at that one
# address: a 32-bit absolute reference to a kernel symbol cannot reach it, and
# the link fails on one (assembly takes `lea sym(%rip)` or `movabs`).
# PARAVIRT=0 builds the comparison kernel of make bench: native only, every
# paravirt wrapper compiled to the native instruction or a direct call.
PARAVIRT ?= 1
KCFLAGS := -DCONFIG_PARAVIRT=$(PARAVIRT) -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -I$(B)/sysinc -Iinclude \
	-D__XEN_INTERFACE_VERSION__=0x00040e00 \
	-mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mgeneral-regs-only \
	-fpie -include include/asm/hidden.h -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
KASFLAGS := $(filter-out -std=gnu11,$(KCFLAGS)) -D__ASSEMBLY__
KLDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T arch/x86/boot/amphi.ld

# Every directory of kernel code; each .c and .S in them is part of the kernel.
KDIRS := arch/x86/boot arch/x86 arch/x86/mm arch/x86/xen kernel mm fs drivers drivers/tty drivers/xen drivers/xen/xenbus lib net
KSRC  := $(filter-out $(KEXCLUDE),$(foreach d,$(KDIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S)))
KOBJ  := $(patsubst %,$(B)/k/%.o,$(basename $(KSRC)))

# lwIP, the TCP/IP stack, is Debian's source package, fetched and unpacked
# by tools/lwip-fetch.sh into build/lwip (one cache for every build
# directory) and never kept in this tree.  net/ is our port of it: its
# options, its OS layer and the glue to struct netdev.
LWIP_CACHE := build/lwip
LWIP_STAMP := $(LWIP_CACHE)/.fetched
LWIP_SRC   := $(LWIP_CACHE)/src/src
LWIP_FILES := core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/raw.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c \
	core/timeouts.c core/udp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c netif/ethernet.c \
	api/api_lib.c api/api_msg.c api/netbuf.c api/tcpip.c
LWIP_OBJ   := $(LWIP_FILES:%.c=$(B)/lwip/%.o)
# Our headers first (lwipopts.h, arch/), then lwIP's.  Not -isystem:
# dependency files leave out whatever a system header includes, and so
# would miss a change to lwipopts.h.
NET_INC    := -Inet/include -I$(LWIP_SRC)/include
# lwIP's own sources get the kernel's flags and warnings unchanged (2.1.3
# builds clean with both compilers); only <string.h> and <stdlib.h> come
# from net/include/compat, since the kernel has no C library.
LWIP_CFLAGS := $(NET_INC) -Inet/include/compat

.DELETE_ON_ERROR:
.PHONY: all run iso test host-test vm-test bench deps deps-initramfs clean format format-check
all: $(B)/amphi.elf $(B)/initramfs-test.cpio $(B)/initramfs-run.cpio

$(B)/sysinc/xen:
	@test -d $(XEN_INC) || { echo "error: $(XEN_INC) missing: run 'make deps' (Debian libxen-dev)"; exit 1; }
	@mkdir -p $(B)/sysinc && ln -sfn $(XEN_INC) $@

$(B)/k/%.o: %.c | $(B)/sysinc/xen
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

# net/ is the port layer: our code, held to our warnings, seeing lwIP.
$(B)/k/net/%.o: EXTRA_CFLAGS := $(NET_INC)
$(filter $(B)/k/net/%,$(KOBJ)): | $(LWIP_STAMP)

$(LWIP_STAMP): | tools/lwip-fetch.sh
	@tools/lwip-fetch.sh $(LWIP_CACHE)
	@touch $@
$(LWIP_FILES:%=$(LWIP_SRC)/%): | $(LWIP_STAMP) ;

$(B)/lwip/%.o: $(LWIP_SRC)/%.c | $(B)/sysinc/xen $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      lwip/$*.c"
	@$(CC) $(KCFLAGS) $(LWIP_CFLAGS) -MMD -MP -c $< -o $@

$(B)/k/%.o: %.S | $(B)/sysinc/xen
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

# The user-mode programs the kernel carries for its selftests and the
# shell's `run` (kernel/user_blobs.S), until the initramfs brings files:
# built by the host's gcc whatever CC is.  utest is freestanding (no C
# library: it tests the system calls one by one) and linked where Linux
# puts a non-PIE program, 0x400000, and so is sysfuzz (system calls with
# hostile arguments); hello_glibc, files (the file system calls) and
# procs (fork, exec, signals) are Debian's glibc, static-pie, and
# hello_static the same source as hello_glibc as a plain `gcc -static`
# program (non-PIE, at 0x400000).
USER_CC     := gcc
USER_CFLAGS := -ffreestanding -fno-builtin -fpie -include include/asm/hidden.h -fno-stack-protector -O2 -Wall -Wextra -Werror \
	-nostdlib -static -no-pie -e _start -Wl,-Ttext-segment=0x400000 \
	-Wl,--build-id=none -Wl,-z,noexecstack
USER_PROGS  := $(B)/user/utest $(B)/user/sysfuzz $(B)/user/hello_glibc $(B)/user/files \
	$(B)/user/procs $(B)/user/hello_static

$(B)/user/utest $(B)/user/sysfuzz: $(B)/user/%: tests/user/%.c tests/user/ulib.h Makefile
	@mkdir -p $(dir $@)
	@echo "  USERCC  $@"
	@$(USER_CC) $(USER_CFLAGS) -o $@ $<

$(B)/user/hello_glibc: tests/user/hello_glibc.c Makefile
	@mkdir -p $(dir $@)
	@echo "  USERCC  $@"
	@$(USER_CC) -static-pie -O2 -Wall -Wextra -Werror -o $@ $<

$(B)/user/files $(B)/user/procs: $(B)/user/%: tests/user/%.c Makefile
	@mkdir -p $(dir $@)
	@echo "  USERCC  $@"
	@$(USER_CC) -static-pie -O2 -Wall -Wextra -Werror -o $@ $<

# make bench's lmbench-style program (tools/bench-lm.sh), the same binary
# on Amphi and on Linux: not carried by the kernel, but put into the
# initramfs each bench run boots.
$(B)/user/lmbench: tests/user/lmbench.c Makefile
	@mkdir -p $(dir $@)
	@echo "  USERCC  $@"
	@$(USER_CC) -static-pie -O2 -Wall -Wextra -Werror -o $@ $<

$(B)/user/hello_static: tests/user/hello_glibc.c Makefile
	@mkdir -p $(dir $@)
	@echo "  USERCC  $@"
	@$(USER_CC) -static -no-pie -O2 -Wall -Wextra -Werror -o $@ $<

$(B)/k/kernel/user_blobs.o: EXTRA_CFLAGS := -DUSER_DIR=$(B)/user
$(B)/k/kernel/user_blobs.o: $(USER_PROGS)

$(B)/amphi.elf: $(KOBJ) $(LWIP_OBJ) arch/x86/boot/amphi.ld
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJ) $(LWIP_OBJ) -lgcc
	@tools/check-elf.sh $@

# Flags live here: a change to them rebuilds everything.
$(KOBJ) $(LWIP_OBJ): Makefile

-include $(KOBJ:.o=.d) $(LWIP_OBJ:.o=.d)

iso: $(B)/amphi.iso
$(B)/amphi.iso: $(B)/amphi.elf tools/mkiso.sh
	tools/mkiso.sh $< $@

run: deps-run $(B)/amphi.elf $(B)/initramfs-run.cpio
	tools/run.sh $(B)/amphi.elf $(B)/initramfs-run.cpio

# make run's initramfs: Debian's busybox-static with its applets and an
# /init that execs its sh (tools/mkinitramfs-run.sh).
$(B)/initramfs-run.cpio: tools/mkinitramfs-run.sh | deps-initramfs
	@mkdir -p $(B)
	@echo "  CPIO    $@"
	@tools/mkinitramfs-run.sh $@

deps:
	tools/deps.sh all
deps-initramfs:
	@tools/deps.sh initramfs

# The test initramfs the VM scenarios boot with (QEMU's -initrd, GRUB's
# module2, xl's ramdisk=): a small tree, Debian's busybox-static, the
# process tests' program (tests/user/procs.c) for execve, make bench's
# lmbench program (run once with tiny counts by procs' exec scenario), and
# the busybox script with its output on this host (tests/busybox/).
$(B)/initramfs-test.cpio: tests/initramfs/mkinitramfs.sh $(shell find tests/initramfs tests/busybox -type f) $(B)/user/procs $(B)/user/lmbench | deps-initramfs
	@mkdir -p $(B)
	@echo "  CPIO    $@"
	@tests/initramfs/mkinitramfs.sh $@ $(B)/user/procs $(B)/user/lmbench
deps-run:
	@tools/deps.sh run

include tests/host/host.mk
include tests/fuzz/fuzz.mk

# Tools for the test dom0 (udpcheck, for the network scenarios; pinger,
# for make bench) and the
# Linux guest of make bench (blkbench, ticker); static: each has only
# busybox's libraries.
$(B)/udpcheck $(B)/blkbench $(B)/ticker $(B)/pinger: $(B)/%: tools/dom0/%.c
	@mkdir -p $(B)
	$(HOST_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

test: deps
	tools/test-all.sh

vm-test: $(B)/amphi.elf $(B)/initramfs-test.cpio $(B)/initramfs-run.cpio
	tests/vm/run

bench: deps
	tools/bench.sh

FORMAT_SRC := $(KSRC:%.S=) $(wildcard include/amphi/*.h)
format:
	clang-format -i $(FORMAT_SRC)

# The build tier's check that the tree is as `make format` leaves it.
format-check:
	@bad=$$(for f in $(FORMAT_SRC); do clang-format "$$f" | cmp -s - "$$f" || echo "$$f"; done); \
	if [ -n "$$bad" ]; then \
		echo "format: clang-format ($$(clang-format --version | sed 's/.*version //')) would change:"; \
		echo "$$bad" | sed 's/^/  /'; echo "format: run make format"; exit 1; fi

clean:
	rm -rf $(B)
