/* Shared by the Xen PV and PVH platforms (arch/x86/xen/). */
#ifndef ASM_XEN_XEN_H
#define ASM_XEN_XEN_H
#include <amphi/platform.h>

/*
 * Where this domain's shared pages are, as the platform found them (PV:
 * start_info; PVH: HVM params); NULL / 0 when the domain has none, as a
 * dom0 without xenstored has no store.  Filled by the platform setup.
 */
struct xen_info {
	void *store_ring;
	uint32_t store_evtchn;
	void *console_ring;
	uint32_t console_evtchn;
};
extern struct xen_info xen_info;

void xen_report(void);
/* Counts this domain's vCPUs and starts them with cpu_up (NULL: none
 * started), each waited for until it says cpu_set_online()
 * (arch/x86/xen/smp_xen.c). */
struct cpu;
void xen_smp_init_with(int (*cpu_up)(struct cpu *c));
/* platform_ops.send_ipi on Xen: the target vCPU's IPI port. */
void xen_send_ipi(unsigned int id, enum ipi_kind kind);
/* platform_ops.cpu_die and cpu_revive on Xen. */
void xen_cpu_die(void);
int xen_cpu_revive(struct cpu *c);
/* PVH: every vCPU started (arch/x86/xen/smp_pvh.c). */
void xen_pvh_smp_init(void);
void xen_console_init(const char *want, void *ring, uint32_t evtchn);
void xen_power_off(enum power_status status) __noreturn;
/* Suspends the domain for the toolstack (arch/x86/xen/suspend.c): 0 once
 * it goes on again (in place or in a new domain), or an error with the
 * domain going on as it was. */
int xen_suspend(void);
bool xen_suspend_supported(void);
/* What differs per mode: the hypercall (1 cancelled, 0 a new domain, or
 * an error), and in a new domain, interrupts off on the one CPU left,
 * the shared info, vcpu_info and event callback placed again and the
 * store and console ports re-read into xen_info (0 or a negative errno). */
struct xen_suspend_mode {
	long (*hypercall)(void);
	int (*new_domain)(void);
};
extern const struct xen_suspend_mode *xen_suspend_mode;
extern const struct xen_suspend_mode xen_pvh_suspend_mode, xen_pv_suspend_mode;
/* The drivers' part (drivers/xen/init.c): quiesce in thread context
 * before any CPU goes down (0, or why not: then nothing was suspended),
 * and resume once the CPU is back, interrupts on, before the other CPUs;
 * new_domain when nothing Xen kept survived. */
struct xen_suspend_drivers {
	int (*quiesce)(void);
	void (*resume)(bool new_domain);
};
void xen_suspend_set_drivers(const struct xen_suspend_drivers *d);
struct xen_suspend_stats {
	uint64_t suspends, new_domains, away_ns;
};
const struct xen_suspend_stats *xen_suspend_counts(void);
/* In a new domain: this CPU's IPI and kick ports bound again, the other
 * vCPUs to start afresh (smp_xen.c); 0 or a negative errno. */
int xen_smp_resume_new(void);
/* The first function of a vCPU the mode starts (xen_pvh_ap_main), set by
 * the mode's SMP setup. */
extern void (*xen_ap_main)(void);
/* PVH's shared info, vcpu_info and callback again (irq_pvh.c); its HVM
 * params for the store and console (setup_pvh.c). */
int xen_pvh_irq_resume(void);
void xen_pvh_read_params(void);
void xen_restart(void) __noreturn;

/* Xen PV: CPU ops (enlighten_pv.c), the trap table among them. */
void xen_pv_cpu_ops_init(void);
/* The trap table the boot vCPU loaded, ended by a zero entry. */
struct trap_info;
const struct trap_info *xen_pv_trap_table(void);
/* PV: every vCPU started (arch/x86/xen/smp_pv.c). */
void xen_pv_smp_init(void);
/* Makes the page at va read-only or writable again (mmu_pv.c): page
 * tables and descriptor tables must not be writable to a PV guest. */
void xen_pv_set_page_writable(const void *va, bool writable);
uint64_t xen_pv_virt_to_machine(const void *va);
/* Xen PV's start_info (virtual), and re-mapping the shared info page over
 * its BSS page after the kernel's mappings were rewritten. */
extern const struct start_info *xen_start_info;
long xen_pv_map_shared_info(void);
/* Across a suspend (suspend_pv.c): the shared info page's address given
 * its own page back, the grant table's frames unmapped and mapped again
 * (0 or -errno), start_info's console and store read into xen_info, and
 * the P2M's tree built and published again in a new domain. */
void xen_pv_unmap_shared_info(void);
void xen_pv_gnttab_unmap(void);
int xen_pv_gnttab_remap(void);
void xen_pv_read_start_info(void);
void xen_pv_p2m_republish(void);
/* The PV MMU (arch/x86/xen/mmu_pv.c); the kernel's own root
 * (pseudo-physical), which every vCPU starts on. */
void xen_pv_mmu_ops_init(void);
unsigned long xen_pv_kernel_cr3(void);
/* PV user mode (arch/x86/xen/user_pv.c): the boot vCPU's setup, and each
 * vCPU's own callbacks and user GS base. */
void xen_pv_user_init(void);
void xen_pv_user_init_cpu(void);
void xen_pv_user_callbacks(void);
/* Xen PV's P2M, for the balloon (arch/x86/xen/mmu_pv.c). */
unsigned long xen_pv_pfn_to_mfn(unsigned long pfn);
int xen_pv_set_p2m(unsigned long pfn, unsigned long mfn);
int xen_pv_p2m_grow(unsigned long nr);
/* The P2M list's tree for the toolstack in shared_info, for `list` of
 * `size` entries (p2m_tree_pv.c); thread context or boot. */
void xen_pv_p2m_publish(const unsigned long *list, unsigned long size);
/* The pseudo-physical frame of a machine frame of ours, ~0UL for one
 * that is not ours. */
unsigned long xen_pv_mfn_to_pfn(unsigned long mfn);
/* How many entries the P2M list has. */
unsigned long xen_pv_p2m_size(void);
/* XENMEM_memory_map's entries, added to m (arch/x86/xen/enlighten.c). */
struct memmap;
long xen_memory_map(struct memmap *m);
void xen_pv_paging_init(struct boot_info *bi);
/* The shared info page, mapped by the platform setup (PV) or the event
 * setup (PVH); NULL before. */
extern struct shared_info *xen_shared_info;
/* Points this CPU's vcpu_info at its vCPU's slot in the shared info page,
 * once that page is mapped (slots exist for vCPUs 0-31 only). */
void xen_vcpu_info_from_shared(void);
/* Places vCPU c's vcpu_info in its struct cpu (xen_vcpu_area), whose
 * frame (machine frame on PV, guest frame on PVH) is `frame`: 0, or
 * Xen's error.  Once per vCPU; again is a no-op. */
int xen_vcpu_info_register(struct cpu *c, uint64_t frame);
/* The same from each mode's view of its frames, events masked on it. */
int xen_pv_vcpu_info_register(struct cpu *c);
int xen_pvh_vcpu_info_register(struct cpu *c);

/* Events and interrupts (drivers/xen/events.c and arch/x86/xen/irq_*.c). */
void xen_pv_irq_ops_init(void);
void xen_pv_irq_init(void);
void xen_pvh_irq_init(void);
/* PVH: Xen's frame `idx` of `space` (XENMAPSPACE_*) placed at a frame of
 * ours, cleared first; its pfn, or a negative errno (physmap_pvh.c). */
int64_t xen_pvh_place_xen_frame(unsigned int space, unsigned long idx);
/* The same at a given guest frame (after a restore): 0 or -EIO. */
int xen_pvh_put_xen_frame(unsigned int space, unsigned long idx, uint64_t pfn);
/* Time: pvclock as sched_clock, VIRQ_TIMER as the event timer
 * (arch/x86/xen/time.c). */
void xen_time_ops_init(void);
void xen_time_init(void);
struct cpu;
/* On the boot CPU, before vCPU c->xen_vcpu_id starts: its VIRQ_TIMER,
 * bound on it (0, or a negative Xen error). */
int xen_time_prepare_cpu(const struct cpu *c);
/* On that vCPU, interrupts off: no periodic tick, its own runstate area,
 * its tick on its single-shot timer. */
void xen_time_init_cpu(void);
/* Across a suspend: the clock's reading and Xen's wallclock noted before
 * the hypercall; in a new domain, sched_clock set to go on from there
 * (the time away, by the wallclock, returned in ns, not counted in it);
 * xen_time_init_cpu then registers the runstate area and arms the timer
 * again. */
void xen_time_suspend(void);
uint64_t xen_time_resume_clock(void);
/* Xen's wallclock now, ns since the epoch (platform_ops.wallclock_ns):
 * shared info's wc_sec/wc_nsec, read under wc_version, plus system time. */
uint64_t xen_wallclock_ns(void);
/* Spinlocks (arch/x86/xen/spinlock.c): the poll/kick slow path installed
 * before the call sites are patched, unless nopvspin; then, on the boot
 * CPU before vCPU c->xen_vcpu_id starts (and for vCPU 0), its kick port
 * (0, or a negative Xen error: that vCPU's waiters then only spin). */
void xen_spinlock_ops_init(void);
int xen_spinlock_prepare_cpu(struct cpu *c);

#endif
