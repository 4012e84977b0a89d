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
#define VECTORS 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.irp vec, VECTORS
	PV_STUB \vec
	.endr

	.section .rodata
	.balign 8
	.globl xen_pv_trap_table_addrs
xen_pv_trap_table_addrs:
	.irp vec, VECTORS
	.quad xen_pv_trap_\vec
	.endr
