/*
 * Exceptions.  Natively (and on PVH) an IDT routes vectors 0-31 to the
 * stubs; a TSS gives double faults, NMIs and machine checks a stack of
 * their own, so a kernel stack overflow is reported instead of becoming a
 * triple fault.  An unexpected exception prints everything we know and
 * powers off with a failure status: never a silent reset.
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/string.h>
#include <asm/trap.h>
#include <asm/desc.h>
#include <asm/paravirt.h>
#include <asm/user.h>
#include <amphi/irq.h>
#include <amphi/process.h>
#include <amphi/uaccess.h>
#include <amphi/vm.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __packed;

#define IST_FATAL 1
#define FATAL_STACK_SIZE 16384

/* One CPU's GDT and TSS: each CPU has its own task state (its kernel and
 * fatal-exception stacks), so each has its own GDT to name it. */
struct cpu_desc {
	uint64_t gdt[GDT_ENTRIES];
	struct tss tss;
} __aligned(16);

static struct idt_gate idt[256] __aligned(16);
static struct cpu_desc boot_desc;
static uint8_t boot_fatal_stack[FATAL_STACK_SIZE] __aligned(16);
/* Each CPU's, by id: the boot CPU's above, the others' from the heap. */
static struct cpu_desc *cpu_descs[NR_CPUS] = {&boot_desc};
struct trap_expect trap_expect = {.vector = -1};
uint16_t user_cs = USER_CS, user_ss = USER_DS;

/* clang-format off */
static const char *const trap_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 error", "alignment check", "machine check",
	"SIMD error", "virtualization", "control protection",
};
/* clang-format on */

const char *trap_name(uint64_t vector)
{
	if (vector < 32 && trap_names[vector])
		return trap_names[vector];
	return "reserved";
}

/* Its fatal-exception stack is already in d->tss.ist. */
static void load_gdt_tss(struct cpu_desc *d)
{
	uint64_t base = (uintptr_t)&d->tss;

	d->gdt[1] = 0x00af9a000000ffffULL; /* 64-bit code */
	d->gdt[2] = 0x00cf92000000ffffULL; /* data */
	d->gdt[3] = (sizeof(d->tss) - 1) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		    (((base >> 24) & 0xff) << 56);
	d->gdt[4] = base >> 32;
	d->gdt[5] = 0x00cffa000000ffffULL; /* 32-bit user code: a slot sysret needs */
	d->gdt[6] = 0x00cff2000000ffffULL; /* user data */
	d->gdt[7] = 0x00affa000000ffffULL; /* 64-bit user code */
	d->tss.iomap_base = sizeof(d->tss);
	/* Where the syscall entry finds its stack (unaligned, as the TSS is). */
	this_cpu()->entry_sp0 =
	    (uint64_t *)(void *)((uint8_t *)&d->tss + offsetof(struct tss, rsp));

	struct desc_ptr p = {sizeof(d->gdt) - 1, (uintptr_t)d->gdt};
	load_gdt(&p);
	__asm__ __volatile__("pushq %0\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\n\t"
			     "mov %1, %%ds\n\tmov %1, %%es\n\tmov %1, %%ss"
			     :
			     : "i"(KERNEL_CS), "r"(KERNEL_DS)
			     : "rax", "memory");
	load_tr(TSS_SEL);
	native_syscall_init_cpu();
}

void tss_set_rsp0(unsigned long sp0)
{
	cpu_descs[smp_processor_id()]->tss.rsp[0] = sp0;
}

/* The exception gates, loaded through the load_idt op: natively the IDT,
 * on Xen PV a trap table made from it. */
void idt_init(void)
{
	for (int v = 0; v < 32; v++) {
		uint64_t a = trap_stub_table[v];
		bool fatal = v == 2 || v == 8 || v == 18;
		struct idt_gate g = {
		    .off_lo = a & 0xffff,
		    .sel = KERNEL_CS,
		    .ist = fatal ? IST_FATAL : 0,
		    .type = 0x8e, /* present, DPL 0, interrupt gate */
		    .off_mid = (a >> 16) & 0xffff,
		    .off_hi = a >> 32,
		};
		write_idt_entry(idt, v, &g);
	}
	struct desc_ptr p = {sizeof(idt) - 1, (uintptr_t)idt};
	load_idt(&p);
}

void native_traps_init(void)
{
	boot_desc.tss.ist[IST_FATAL - 1] = (uintptr_t)boot_fatal_stack + sizeof(boot_fatal_stack);
	load_gdt_tss(&boot_desc);
	idt_init();
}

/* Thread context, on the boot CPU: the heap is not for other CPUs yet. */
/* A CPU brought online again keeps what it had: load_gdt_tss rebuilds
 * the TSS descriptor, so it is not found busy. */
int native_traps_prepare_cpu(unsigned int id)
{
	if (cpu_descs[id])
		return 0;
	struct cpu_desc *d = kmalloc_aligned(sizeof(*d), 16);
	uint8_t *fatal = kmalloc_aligned(FATAL_STACK_SIZE, 16);

	if (!d || !fatal) {
		kfree(d);
		kfree(fatal);
		return -ENOMEM;
	}
	memset(d, 0, sizeof(*d));
	d->tss.ist[IST_FATAL - 1] = (uintptr_t)fatal + FATAL_STACK_SIZE;
	cpu_descs[id] = d;
	return 0;
}

void native_traps_init_cpu(void)
{
	struct cpu_desc *d = cpu_descs[smp_processor_id()];
	struct desc_ptr p = {sizeof(idt) - 1, (uintptr_t)idt};

	load_gdt_tss(d);
	load_idt(&p);
}

/* For arch/x86/irq.c: the IDT the vectors above 31 are added to. */
struct idt_gate *idt_table(void)
{
	return idt;
}

static void dump_frame(const struct trap_frame *f, uint64_t cr2)
{
	kprintf("  vector %lu (%s), error code %#lx\n", f->vector, trap_name(f->vector),
		f->error_code);
	kprintf("  RIP %016lx  CS %04lx  RFLAGS %016lx\n", f->rip, f->cs, f->rflags);
	kprintf("  RSP %016lx  SS %04lx  CR2 %016lx\n", f->rsp, f->ss, cr2);
	kprintf("  RAX %016lx  RBX %016lx  RCX %016lx\n", f->rax, f->rbx, f->rcx);
	kprintf("  RDX %016lx  RSI %016lx  RDI %016lx\n", f->rdx, f->rsi, f->rdi);
	kprintf("  RBP %016lx  R8  %016lx  R9  %016lx\n", f->rbp, f->r8, f->r9);
	kprintf("  R10 %016lx  R11 %016lx  R12 %016lx\n", f->r10, f->r11, f->r12);
	kprintf("  R13 %016lx  R14 %016lx  R15 %016lx\n", f->r13, f->r14, f->r15);
}

/* Not the process's: a machine check, an NMI, a double fault. */
static bool fatal_vector(uint64_t v)
{
	return v == 2 || v == 8 || v == 18;
}

/* A kernel fault on a user address: resolved (demand zero) when the
 * faulting code could sleep and the process has the page; else, from an
 * instruction of the exception table, -EFAULT for the copy.  False for a
 * kernel bug. */
static bool uaccess_fault(struct trap_frame *f, uint64_t cr2)
{
	uint64_t fixup = extable_fixup(f->rip);
	struct process *p = current_process();

	if (!fixup || cr2 < USER_BASE || cr2 >= USER_TOP)
		return false;
	if ((f->rflags & X86_EFLAGS_IF) && p && !irq_depth) {
		local_irq_enable();
		int rc = vm_fault(p->vm, cr2, f->error_code & 2, false);
		local_irq_disable();
		if (!rc)
			return true;
	}
	f->rip = fixup;
	return true;
}

void trap_dispatch(struct trap_frame *f)
{
	uint64_t cr2 = f->vector == 14 ? read_cr2() : 0;

	if (user_mode(f) && !fatal_vector(f->vector)) {
		user_trap(f, cr2);
		return;
	}
	if (f->vector == 14 && uaccess_fault(f, cr2))
		return;

	if (trap_expect.vector == (int)f->vector && !trap_expect.seen) {
		trap_expect.seen = true;
		trap_expect.cr2 = cr2;
		trap_expect.error_code = f->error_code;
		f->rip = trap_expect.resume;
		f->rsp = trap_expect.resume_rsp;
		f->rbx = trap_expect.rbx;
		f->rbp = trap_expect.rbp;
		f->r12 = trap_expect.r12;
		f->r13 = trap_expect.r13;
		f->r14 = trap_expect.r14;
		f->r15 = trap_expect.r15;
		return;
	}
	kprintf("\nPANIC: unexpected exception: %s\n", trap_name(f->vector));
	dump_frame(f, cr2);
	panic("unexpected exception %lu at RIP %#lx", f->vector, f->rip);
}

bool trap_expect_run(int vector, void (*cause)(void))
{
	trap_expect = (struct trap_expect){.vector = vector};
	__asm__ __volatile__(
	    "leaq 1f(%%rip), %%rax\n\t"
	    "movq %%rax, %[resume]\n\t"
	    "movq %%rsp, %[rsp]\n\t"
	    "movq %%rbx, %[rbx]\n\t"
	    "movq %%rbp, %[rbp]\n\t"
	    "movq %%r12, %[r12]\n\t"
	    "movq %%r13, %[r13]\n\t"
	    "movq %%r14, %[r14]\n\t"
	    "movq %%r15, %[r15]\n\t"
	    "call *%[cause]\n"
	    "1:"
	    : [resume] "=m"(trap_expect.resume), [rsp] "=m"(trap_expect.resume_rsp),
	      [rbx] "=m"(trap_expect.rbx), [rbp] "=m"(trap_expect.rbp), [r12] "=m"(trap_expect.r12),
	      [r13] "=m"(trap_expect.r13), [r14] "=m"(trap_expect.r14), [r15] "=m"(trap_expect.r15)
	    : [cause] "r"(cause)
	    : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	trap_expect.vector = -1;
	return trap_expect.seen;
}
