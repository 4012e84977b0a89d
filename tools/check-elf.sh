#!/usr/bin/env bash
# Checks what the loaders need from build/amphi.elf, so a broken link fails
# the build instead of a boot: the multiboot2 header inside the first 32 KiB,
# Xen's PV and PVH entry notes, the load segments' physical addresses (what
# the PVH, multiboot2 and Xen loaders place them by) PAGE_OFFSET below their
# virtual ones, and no SSE instruction in the kernel.
set -euo pipefail
elf=$1
fail() { echo "check-elf: $elf: $*" >&2; exit 1; }

notes=$(readelf --notes "$elf")
# readelf does not name Xen's note types: type 18 is PHYS32_ENTRY, and type 1
# (ENTRY) is shown under the generic name of note type 1.
grep -q '(0x00000012)' <<<"$notes" || fail "no XEN_ELFNOTE_PHYS32_ENTRY note"
grep -q 'NT_VERSION' <<<"$notes" || fail "no XEN_ELFNOTE_ENTRY note"

# The multiboot2 magic 0xe85250d6, little-endian, 8-byte aligned, first 32 KiB.
head32k=$(head -c 32768 "$elf" | od -An -tx1 -v -w8)
off=$(awk '$1=="d6" && $2=="50" && $3=="52" && $4=="e8" {print NR; exit}' <<<"$head32k")
[ -n "$off" ] || fail "no multiboot2 header in the first 32 KiB"

# PAGE_OFFSET of include/asm/page.h.
page_offset=0xffff888000000000
while read -r type _ vaddr paddr _; do
	[ "$type" = LOAD ] || continue
	(( vaddr - paddr == page_offset )) ||
		fail "a load segment at $vaddr is not PAGE_OFFSET above its physical $paddr"
	(( paddr < 0x100000000 )) || fail "a load segment's physical $paddr is above 4 GiB"
done < <(readelf -lW "$elf" | awk '$1=="LOAD" {print $1, $2, $3, $4}')

disasm=$(objdump -d "$elf")
if grep -qE '\s(movaps|movups|movdq[au]|pxor|xorps|movq\s+%xmm)' <<<"$disasm"; then
	fail "SSE instructions in the kernel"
fi
