# Amphi: one x86-64 kernel ELF for bare hardware, Xen PV and PVH.
#
#   make          build build/amphi.elf
#   make run      boot it natively under QEMU into the console shell
#   make iso      a GRUB (multiboot2) bootable ISO, the path real hardware takes
#   make test     every test tier: host unit tests, then the in-VM scenarios
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
# are using), no SSE or x87 (we never save that state), and no PIC: it is
# linked at its load address, which is also its virtual address.
# PARAVIRT=0 builds the comparison kernel of make bench: native only, every
# paravirt wrapper compiled to the native instruction or a direct call.
PARAVIRT ?= 1
KCFLAGS := -DCONFIG_PARAVIRT=$(PARAVIRT) -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) -I$(B)/sysinc -Iinclude \
	-D__XEN_INTERFACE_VERSION__=0x00040e00 \
	-mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mgeneral-regs-only \
	-fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
KASFLAGS := $(filter-out -std=gnu11,$(KCFLAGS)) -D__ASSEMBLY__
KLDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T arch/x86/boot/amphi.ld

# Every directory of kernel code; each .c and .S in them is part of the kernel.
KDIRS := arch/x86/boot arch/x86 arch/x86/mm arch/x86/xen kernel mm drivers drivers/xen drivers/xen/xenbus lib
KSRC  := $(filter-out $(KEXCLUDE),$(foreach d,$(KDIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S)))
KOBJ  := $(patsubst %,$(B)/k/%.o,$(basename $(KSRC)))

.DELETE_ON_ERROR:
.PHONY: all run iso test host-test vm-test bench deps clean format
all: $(B)/amphi.elf

$(B)/sysinc/xen:
	@test -d $(XEN_INC) || { echo "error: $(XEN_INC) missing: run 'make deps' (Debian libxen-dev)"; exit 1; }
	@mkdir -p $(B)/sysinc && ln -sfn $(XEN_INC) $@

$(B)/k/%.o: %.c | $(B)/sysinc/xen
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(B)/k/%.o: %.S | $(B)/sysinc/xen
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -MMD -MP -c $< -o $@

$(B)/amphi.elf: $(KOBJ) arch/x86/boot/amphi.ld
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJ) -lgcc
	@tools/check-elf.sh $@

# Flags live here: a change to them rebuilds everything.
$(KOBJ): Makefile

-include $(KOBJ:.o=.d)

iso: $(B)/amphi.iso
$(B)/amphi.iso: $(B)/amphi.elf tools/mkiso.sh
	tools/mkiso.sh $< $@

run: deps-run $(B)/amphi.elf
	tools/run.sh $(B)/amphi.elf

deps:
	tools/deps.sh all
deps-run:
	@tools/deps.sh run

include tests/host/host.mk

# A tool the network scenarios run in the test dom0 (static: the dom0 has
# only busybox's libraries).
$(B)/udpcheck: tools/dom0/udpcheck.c
	@mkdir -p $(B)
	$(HOST_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

test: deps
	tools/test-all.sh

vm-test: $(B)/amphi.elf
	tests/vm/run

bench: deps
	tools/bench.sh

format:
	clang-format -i $(KSRC:%.S=) $(wildcard include/amphi/*.h)

clean:
	rm -rf $(B)
