/*
 * Selftests of user address spaces (mm/vm.c) beyond what one program
 * shows: the shootdown of a user mapping on every CPU that has the space
 * loaded, and programs on every CPU at once.
 *
 * user_tlb_shootdown: every online CPU loads an address space (as a CPU
 * does that ran its program and now runs kernel threads) and reads a page
 * of it, so each TLB holds the page; the page is then unmapped on this
 * CPU (MAP_FIXED puts an unpopulated one in its place), and a read on
 * every CPU must fault (-EFAULT from the copy, which cannot populate a
 * page from an interrupt).  A CPU left out of the shootdown would read
 * the old frame through its stale entry.
 */
#include <amphi/errno.h>
#include <amphi/process.h>
#include <amphi/selftest.h>
#include <amphi/smp.h>
#include <amphi/string.h>
#include <amphi/uaccess.h>
#include <amphi/user.h>
#include <amphi/vm.h>
#include <asm/paravirt.h>
#include <asm/user.h>

#define TEST_VA (VM_MMAP_BASE + 0x40000)
#define MAGIC 0x5ca1ab1e

static struct vm *test_vm;
static uint32_t read_val[NR_CPUS];
static long read_rc[NR_CPUS];

static void load_and_read(void *unused)
{
	unsigned int id = smp_processor_id();

	vm_activate(test_vm);
	read_val[id] = 0;
	read_rc[id] = copy_from_user(&read_val[id], TEST_VA, sizeof(read_val[id]));
}

static void drop(void *unused)
{
	vm_deactivate(test_vm);
}

static enum selftest_result judge(struct selftest_ctx *ctx, bool first)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_cpus_present; i++) {
		if (!cpus[i].online)
			continue;
		n++;
		if (first && (read_rc[i] || read_val[i] != MAGIC))
			return selftest_error(ctx, "CPU %u read %#x (%ld), not the page", i,
					      read_val[i], read_rc[i]);
		if (!first && read_rc[i] != -EFAULT)
			return selftest_fail(ctx, "CPU %u still reads the unmapped page (%#x)", i,
					     read_val[i]);
	}
	if (first)
		return SELFTEST_SUCCESS;
	return selftest_pass(ctx,
			     "%u CPU%s read the page, it was replaced on CPU %u, then "
			     "the old one was gone on every one",
			     n, n == 1 ? "" : "s", smp_processor_id());
}

SELFTEST(user_tlb_shootdown)
{
	uint32_t magic = MAGIC;
	enum selftest_result r;

	if (user_unavailable())
		return selftest_skip(ctx, "%s", user_unavailable());
	if (!(test_vm = vm_create()))
		return selftest_error(ctx, "out of memory");
	if (vm_region_add(test_vm, TEST_VA, PAGE_SIZE, PROT_READ | PROT_WRITE) ||
	    vm_write(test_vm, TEST_VA, &magic, sizeof(magic))) {
		vm_destroy(test_vm);
		return selftest_error(ctx, "could not populate the page");
	}
	on_each_cpu(load_and_read, NULL);
	if ((r = judge(ctx, true)) == SELFTEST_SUCCESS) {
		if (vm_mmap(test_vm, TEST_VA, PAGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != (long)TEST_VA)
			r = selftest_error(ctx, "MAP_FIXED over the page failed");
		else {
			on_each_cpu(load_and_read, NULL);
			r = judge(ctx, false);
		}
	}
	on_each_cpu(drop, NULL);
	vm_destroy(test_vm);
	return r;
}

/* Programs on every CPU at once, each of them allowed on every CPU (they
 * may move), each checked as it ends; afterwards every frame is back. */
#define SMP_PROGS_PER_CPU 2

SELFTEST(user_smp)
{
	static const char *const argv_mmap[] = {"utest", "mmap", NULL};
	static const char *const argv_brk[] = {"utest", "brk", NULL};
	const struct user_prog *up = user_prog_find("utest");
	int64_t pages0 = __atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED);
	int procs0 = __atomic_load_n(&nr_processes, __ATOMIC_RELAXED);
	struct process *p[NR_CPUS * SMP_PROGS_PER_CPU];
	unsigned int n = nr_cpus_online() * SMP_PROGS_PER_CPU, bad = 0, started = 0;
	int64_t left;

	if (user_unavailable())
		return selftest_skip(ctx, "%s", user_unavailable());
	for (unsigned int i = 0; i < n; i++) {
		struct process_spec spec = {
		    .name = "utest",
		    .image = up->image,
		    .image_len = up->len,
		    .argv = i % 2 ? argv_brk : argv_mmap,
		    .quiet = true,
		    .cpus = CPUMASK_ALL,
		};
		if ((p[i] = process_spawn(&spec)))
			started++;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (!p[i])
			continue;
		int want = i % 2 ? 0 : SIGSEGV;
		bad += process_wait(p[i]) != want;
		process_free(p[i]);
	}
	left = __atomic_load_n(&vm_pages_in_use, __ATOMIC_RELAXED) - pages0;
	if (started < n)
		return selftest_error(ctx, "only %u of %u programs started", started, n);
	if (bad)
		return selftest_fail(ctx, "%u of %u programs ended otherwise than alone", bad, n);
	if (left)
		return selftest_fail(ctx, "%ld frames of their address spaces not freed",
				     (long)left);
	if (__atomic_load_n(&nr_processes, __ATOMIC_RELAXED) != procs0)
		return selftest_fail(ctx, "%d processes counted alive, %d before",
				     __atomic_load_n(&nr_processes, __ATOMIC_RELAXED), procs0);
	return selftest_pass(ctx,
			     "%u programs at once on %u CPUs ended as they do alone, every "
			     "frame freed",
			     n, nr_cpus_online());
}

/* A CPU that goes offline with a program's root loaded (it ran the
 * program, which moved on, and idles since) must not keep it: the space
 * may end while the CPU is away, and a CPU that comes back must be on the
 * kernel's root with no address space recorded as its own. */
static struct {
	bool no_vm, kernel_root;
} probe;

static void probe_cpu(void *unused)
{
	probe.no_vm = !this_cpu()->active_vm;
	probe.kernel_root = (read_cr3() & PTE_ADDR) == __pa(uvm_kernel_root);
}

static void load_vm(void *vm)
{
	vm_activate(vm);
}

static enum selftest_result offline_one_cpu(struct selftest_ctx *ctx, struct vm *vm)
{
	unsigned long flags = local_irq_save();

	vm_activate(vm);
	local_irq_restore(flags);
	vm_destroy(vm);
	probe_cpu(NULL);
	if (!probe.no_vm || !probe.kernel_root)
		return selftest_fail(ctx, "one CPU: its ended address space is still its own");
	return selftest_pass(ctx, "one CPU: nothing to take offline; an ended space is dropped "
				  "by the CPU that ends it");
}

SELFTEST(user_cpu_offline)
{
	cpumask_t others = cpumask_online_others();
	struct vm *vm;
	unsigned int target;
	int rc;

	if (user_unavailable())
		return selftest_skip(ctx, "%s", user_unavailable());
	if (!(vm = vm_create()))
		return selftest_error(ctx, "out of memory");
	if (!others)
		return offline_one_cpu(ctx, vm);
	target = 63 - (unsigned int)__builtin_clzll(others);
	smp_call_function_single(target, load_vm, vm);
	if ((rc = cpu_offline(target))) {
		vm_destroy(vm);
		return selftest_error(ctx, "cpu_offline(%u) failed (%d)", target, rc);
	}
	vm_destroy(vm);
	if ((rc = cpu_online(target)))
		return selftest_fail(ctx, "cpu_online(%u) failed (%d)", target, rc);
	probe = (typeof(probe)){0};
	smp_call_function_single(target, probe_cpu, NULL);
	if (!probe.no_vm || !probe.kernel_root)
		return selftest_fail(ctx, "CPU %u came back %s", target,
				     probe.no_vm ? "on a freed address space's root"
						 : "with a freed address space as its own");
	return selftest_pass(ctx,
			     "CPU %u went offline with a program's root loaded, the space "
			     "ended meanwhile, and it came back on the kernel's root",
			     target);
}
