/*
 * Platforms: native, KVM, Xen PVH and Xen PV.  Each is a row of a table with
 * a detect() that says how well it matches this boot (0 = not at all) and a
 * setup() that installs its operations; the highest match wins.  What
 * differs between platforms is reached through struct platform_ops, never
 * through a test of which platform this is.
 */
#ifndef AMPHI_PLATFORM_H
#define AMPHI_PLATFORM_H
#include <amphi/types.h>
#include <amphi/boot.h>
#include <amphi/cpu.h>

/* Power-off status, as selftests and panic report it. */
enum power_status {
	POWER_SUCCESS = 0,
	POWER_FAILURE = 1,
};

struct platform_ops {
	/* Install exception handlers (an IDT, or Xen's trap table).  Called
	 * once, early, with interrupts off. */
	void (*traps_init)(void);
	/* Fill or correct the memory map the entry left, set mapped_limit. */
	void (*memory_setup)(struct boot_info *bi);
	/* earlyprintk=xen: a console that works before traps and memory
	 * (Xen's console_io); NULL where the platform has none. */
	void (*early_console_init)(void);
	/* Register this platform's consoles: `want` is the console= name, or
	 * NULL for the platform's default. */
	void (*console_init)(const char *want);
	/* The kernel's own mappings: W^X kernel image, page 0 unmapped, the
	 * direct map of RAM.  Runs once the frame allocator works. */
	void (*paging_init)(struct boot_info *bi);
	/* Bring up interrupt delivery: the LAPIC with the legacy PIC masked,
	 * or Xen event channels.  Interrupts stay off. */
	void (*irq_init)(void);
	/* Start the clock (sched_clock) and register the event timer. */
	void (*time_init)(void);
	/* The time of day now, in ns since the epoch (UTC), read once at
	 * boot (kernel/time_wall.c): the CMOS RTC natively, the shared info
	 * page's wallclock on Xen.  0 when the platform cannot tell. */
	uint64_t (*wallclock_ns)(void);
	/* Find the other CPUs and bring them up; ends with smp_report(). */
	void (*smp_init)(void);
	/* Interrupt CPU `id` (online, not this one) with an IPI of that
	 * kind (amphi/smp.h says what each means).  Any context. */
	void (*send_ipi)(unsigned int id, enum ipi_kind kind);
	/* On a CPU going offline, interrupts off, its work handed on: stop
	 * it.  Returns only if the platform resumes it in place (Xen's
	 * VCPUOP_down / VCPUOP_up); natively it never returns. */
	void (*cpu_die)(void);
	/* From another CPU: start an offline CPU again (0 or -errno). */
	int (*cpu_revive)(struct cpu *c);
	/* Find the platform's buses and probe their drivers (Xen: xenstore,
	 * grant tables, xenbus, control).  Runs in thread context with
	 * interrupts on. */
	void (*bus_init)(void);
	/* User mode: its CPU side set up on the boot CPU once the kernel's
	 * page tables are in place (the syscall entry, SMEP, SMAP).  NULL
	 * where programs cannot run yet, and user_unsupported says why. */
	void (*user_init)(void);
	const char *user_unsupported;
	/* Add lines to the boot report and the `info` command. */
	void (*report)(void);
	/* Never return.  Where a status cannot be passed on, it is printed. */
	void (*power_off)(enum power_status status) __noreturn;
	void (*restart)(void) __noreturn;
};

struct platform {
	const char *name;
	int (*detect)(const struct boot_info *bi);
	void (*setup)(struct boot_info *bi);
};

/* What platform_detect() chose. */
extern const struct platform *platform;
extern struct platform_ops platform_ops;

/* Facts about the hypervisor, filled in by the Xen platforms. */
struct hypervisor_info {
	const char *name; /* "none", "KVM", "Xen" ... */
	uint32_t cpuid_base;
	bool cpuid_forced; /* its leaves read with Xen's forced-emulation prefix (PV) */
	bool is_xen;
	uint16_t xen_major, xen_minor;
	char xen_extra[16];
	bool xen_dom0;
};
extern struct hypervisor_info hypervisor;

void platform_detect(struct boot_info *bi);
void power_off(enum power_status status) __noreturn;
void restart(void) __noreturn;

/* Platform setups, for the table in arch/x86/platform.c. */
int native_detect(const struct boot_info *bi);
void native_setup(struct boot_info *bi);
int kvm_detect(const struct boot_info *bi);
void kvm_setup(struct boot_info *bi);
int xen_pvh_detect(const struct boot_info *bi);
void xen_pvh_setup(struct boot_info *bi);
int xen_pv_detect(const struct boot_info *bi);
void xen_pv_setup(struct boot_info *bi);

/* Shared by native and KVM: the PC's own devices. */
void native_traps_init(void);
/* Another CPU's GDT, TSS and fatal-exception stack, made on the boot CPU
 * before it starts (0 or -ENOMEM); loaded by that CPU itself with the
 * shared IDT. */
int native_traps_prepare_cpu(unsigned int id);
void native_traps_init_cpu(void);
void native_memory_setup(struct boot_info *bi);
void native_console_init(const char *want);
void native_power_off(enum power_status status) __noreturn;
void native_restart(void) __noreturn;
void native_paging_init(struct boot_info *bi);
void native_irq_init(void);
void native_time_init(void);
void native_smp_init(void);
void native_send_ipi(unsigned int id, enum ipi_kind kind);
void native_cpu_die(void);
int native_cpu_revive(struct cpu *c);
/* The named "no bus to probe yet" (PCI will come natively). */
void bus_init_none(void);

#endif
