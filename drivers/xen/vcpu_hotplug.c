/*
 * vCPU hotplug as the toolstack asks for it: `xl vcpu-set DOM N` writes
 * "online" or "offline" into cpu/<vCPU>/availability of the domain's
 * store directory (for PV and PVH alike).  A watch on cpu/ brings the vCPU
 * whose node changed to what the node says, as Linux does, so a CPU taken
 * offline by hand (the shell's `cpu offline`) stays so until the store
 * says otherwise.  At start every vCPU is brought to its node, which
 * takes offline those a domain started with but should not run (vcpus=
 * below maxvcpus=).  A node that names a vCPU this kernel does not have,
 * or holds anything but the two words, is reported and ignored.
 */
#include <amphi/cpu.h>
#include <amphi/errno.h>
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/smp.h>
#include <amphi/string.h>
#include <drivers/xen/control.h>
#include <drivers/xen/xenstore.h>

static int cpu_of_vcpu(unsigned long vcpu)
{
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		if (cpus[i].xen_vcpu_id == vcpu)
			return (int)i;
	return -1;
}

/* One CPU to what its node says. */
static void vcpu_follow(unsigned int id)
{
	char path[32];
	int err;
	char *want;

	snprintf(path, sizeof(path), "cpu/%u/availability", cpus[id].xen_vcpu_id);
	if (!(want = xs_read(XBT_NIL, path, &err)))
		return; /* no node: nothing asked */
	if (!strcmp(want, "online") && !READ_ONCE(cpus[id].online))
		cpu_online(id);
	else if (!strcmp(want, "offline") && READ_ONCE(cpus[id].online))
		cpu_offline(id);
	else if (strcmp(want, "online") && strcmp(want, "offline"))
		pr_warn("vcpu: %s is neither \"online\" nor \"offline\"; ignored\n", path);
	kfree(want);
}

/* "cpu/N/...": the CPU of vCPU N, or -1 (reported when N is a number
 * but no vCPU of ours). */
static int vcpu_of_path(const char *changed)
{
	const char *p = changed + strlen("cpu/");
	size_t len = 0;
	uint64_t vcpu;
	int id;

	if (strncmp(changed, "cpu/", 4))
		return -1;
	while (p[len] >= '0' && p[len] <= '9')
		len++;
	if (!len || parse_u64(p, len, &vcpu) != len)
		return -1;
	if ((id = cpu_of_vcpu(vcpu)) < 0)
		pr_warn("vcpu: the store names vCPU %lu, which this domain does not have "
			"(%u present); ignored\n",
			vcpu, nr_cpus_present);
	return id;
}

/* The watch's first firing (the path itself) is the start, done already. */
static void vcpu_changed(struct xs_watch *w, const char *changed)
{
	int id = vcpu_of_path(changed);

	(void)w;
	if (id >= 0)
		vcpu_follow((unsigned int)id);
}

static struct xs_watch vcpu_watch = {.path = "cpu", .callback = vcpu_changed};

int xen_vcpu_hotplug_init(void)
{
	int rc;

	if (!xs_available())
		return -ENODEV;
	if ((rc = xs_watch_register(&vcpu_watch)))
		return rc;
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		vcpu_follow(i);
	pr_info("vcpu: following cpu/N/availability for %u vCPUs\n", nr_cpus_present);
	return 0;
}
