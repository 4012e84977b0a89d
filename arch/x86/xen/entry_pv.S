/*
 * Xen PV exception entry: Xen bounces an exception to us with %rcx and %r11
 * pushed on top of the hardware-style frame.  Restore them, then continue in
 * the common stubs, so the rest of the path is the native one.
 */
	.text
.macro PV_STUB vec
	.balign 8
	.globl xen_pv_trap_\vec
xen_pv_trap_\vec:
	pop %rcx
	pop %r11
	jmp trap_stub_\vec
.endm
	.altmacro
.macro PV_STUBS from=0, to=31
	PV_STUB \from
	.if \to-\from
	PV_STUBS %(\from+1),\to
	.endif
.endm
	PV_STUBS

.macro PV_ADDR vec
	.quad xen_pv_trap_\vec
.endm
	.section .rodata
	.balign 8
	.globl xen_pv_trap_table_addrs
xen_pv_trap_table_addrs:
	.set i, 0
	.rept 32
	PV_ADDR %i
	.set i, i+1
	.endr
