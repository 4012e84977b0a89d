/*
 * Per-CPU state: one struct cpu for each CPU, reached through the GS base
 * (xv6's struct cpu, Plan 9's Mach).  The GS base holds the kernel's own
 * pointer; entries from user mode swap it in (swapgs natively and on
 * PVH; on Xen PV, Xen swaps the two bases itself), so the user's GS base
 * lives in the other slot.  %gs:0 is the
 * struct's own address, so this_cpu() is one load and a field is one
 * %gs-relative access.
 *
 * Common code asks this_cpu() and smp_processor_id(); only Xen's ABI code
 * speaks of a vCPU number, and even there it is this CPU's (xen_vcpu_id).
 */
#ifndef AMPHI_CPU_H
#define AMPHI_CPU_H
#include <amphi/spinlock.h>
#include <amphi/types.h>

/* More than shared_info's 32 vCPU slots: vCPUs past 32 are found, but need
 * their vcpu_info registered (VCPUOP_register_vcpu_info) to start. */
#define NR_CPUS 64
/* Entries of each of Xen PV's lazy-MMU queues. */
#define XEN_PV_MMU_BATCH 64

enum ipi_kind {
	IPI_RESCHEDULE,	   /* switch threads on the way out of the interrupt */
	IPI_CALL_FUNCTION, /* run what smp_call_* queued for this CPU */
	IPI_KINDS,
};

struct smp_call;
struct process;
struct thread;
struct timer;
struct vcpu_info;
struct vm;

struct cpu {
	struct cpu *self; /* %gs:0, what this_cpu() reads */
	/* For the syscall entry (arch/x86/syscall_64.S, offsets in
	 * asm/entry.h): the user's stack pointer while it finds the kernel
	 * stack, and where this CPU's TSS keeps that stack's top (rsp0). */
	uint64_t entry_user_rsp;
	uint64_t *entry_sp0;
	/* The user address space whose root this CPU has loaded (mm/vm.c),
	 * kept while kernel threads run; NULL for the kernel's own root. */
	struct vm *active_vm;
	unsigned int id;	/* 0 .. NR_CPUS-1, the boot CPU 0 */
	unsigned int irq_depth; /* interrupt nesting: nonzero inside a handler */
	struct thread *current; /* the thread running here */
	/* current's process, NULL for a kernel thread (kernel/sched.c keeps it
	 * at every switch): current_process() is then one %gs-relative load,
	 * which every system call asks for more than once. */
	struct process *process;
	struct thread *idle;	    /* this CPU's idle thread */
	volatile bool need_resched; /* switch at the next way out of an interrupt */
	bool online;		    /* takes threads, IPIs and calls (set under rq_lock) */
	bool going_down;	    /* asked to go offline (kernel/smp_hotplug.c) */
	bool down;		    /* offline: stopped, or parked by the platform */
	uint64_t online_since;	    /* sched_clock() when it came online */
	/* The scheduler's (kernel/sched.c), under rq_lock: runnable threads
	 * (nr_movable of them allowed elsewhere too), exited ones whose
	 * stacks are still to be freed, and counts. */
	struct spinlock rq_lock;
	struct thread *runq_head, *runq_tail, *dead;
	unsigned int nr_movable;
	uint64_t nr_switches, nr_preemptions;
	/* The software timers due on this CPU, by deadline, under
	 * timer_lock; the one whose function runs now; and what its event
	 * timer is set for (kernel/timer.c). */
	struct spinlock timer_lock;
	struct timer *timers, *running_timer;
	uint64_t armed_deadline;
	uint64_t nr_timer_irqs;
	uint64_t nr_clock_expiries; /* early ones too */
	/* What other CPUs asked this one to run, and the IPIs it took, per
	 * kind (kernel/smp_call.c). */
	struct spinlock call_lock;
	struct smp_call *calls;
	bool calls_closed; /* offline: calls are refused */
	uint64_t nr_ipis[IPI_KINDS];
	/* Native: the local APIC's ID (xAPIC or x2APIC). */
	uint32_t apic_id;
	/* Xen: this vCPU's number in Xen's ABI, and its vcpu_info (in the
	 * shared info page, or where it was registered). */
	unsigned int xen_vcpu_id;
	struct vcpu_info *vcpu_info;
	/* Its IPI ports, one per kind (enum ipi_kind); -1 unbound. */
	int xen_ipi_port[IPI_KINDS];
	/* Xen: down across a restore, so to be started afresh, not resumed;
	 * and, where the restore kept its state, to start afresh from where
	 * it went down. */
	bool xen_fresh, xen_restart_in_die;
	/* Xen PV's lazy-MMU mode on this CPU (arch/x86/xen/mmu_pv.c): on or
	 * not, the interrupt state it was entered with (interrupts stay off
	 * while it is on, so that the thread that entered it stays here and
	 * no other thread queues into it), and the page-table updates and
	 * mmuext ops it queued, in the layout of Xen's struct mmu_update and
	 * struct mmuext_op. */
	bool xen_pv_lazy;
	unsigned long xen_pv_lazy_flags;
	/* Xen PV: the root this vCPU has loaded (pseudo-physical), which
	 * read_cr3 answers. */
	unsigned long xen_pv_cr3;
	unsigned int xen_pv_mmu_n, xen_pv_ext_n;
	uint64_t xen_pv_mmu_queue[XEN_PV_MMU_BATCH][2];
	uint64_t xen_pv_ext_queue[XEN_PV_MMU_BATCH][3];
	/* Xen: where its vcpu_info lives once registered (64 bytes; so at a
	 * fixed %gs offset, and the PV event-mask ops are single
	 * instructions that a thread moving to another CPU cannot split). */
	uint8_t xen_vcpu_area[64] __aligned(64);
};

extern struct cpu cpus[NR_CPUS];
/* CPUs the platform found, the boot CPU included, within NR_CPUS and
 * maxcpus=; they are cpus[0 .. nr_cpus_present-1]. */
extern unsigned int nr_cpus_present;

/* For a platform's smp_init (kernel/smp.c): the next struct cpu for a CPU
 * it found, or NULL when maxcpus= or NR_CPUS leaves no room (counted and
 * reported by smp_report). */
struct cpu *cpu_add_present(void);
unsigned int nr_cpus_online(void);
/* The new CPU says it is up (its last step before its idle thread); the
 * one that started it waits for that, at most timeout_ns. */
void cpu_set_online(void);
bool cpu_wait_online(struct cpu *c, uint64_t timeout_ns);
/* Waits (sleeping) until *count moves from `before`: true, or false once
 * base_ns has passed beyond the time CPU id was kept from running (its
 * steal time), and at most CPU_WAIT_PROGRESS_MAX_NS.  For tests of what
 * another CPU does. */
#define CPU_WAIT_PROGRESS_MAX_NS (10ULL * 1000000000ULL)
bool cpu_wait_progress(unsigned int id, const volatile uint64_t *count, uint64_t before,
		       uint64_t base_ns);
/* The boot-log line that ends the bring-up: "smp: N CPUs online (how they
 * were found)". */
void smp_report(const char *found_how);

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(c));
	return c;
}

static inline unsigned int smp_processor_id(void)
{
	return this_cpu()->id;
}

#endif
