/*
 * vCPU hotplug as the toolstack asks for it: `xl vcpu-set DOM N` writes
 * "online" or "offline" into cpu/<vCPU>/availability of the domain's
 * store directory (for PV and PVH alike).  A watch on cpu/ brings every
 * vCPU to what its node says; it fires once when registered, which also
 * takes offline the vCPUs a domain started with but should not run
 * (vcpus= below maxvcpus=).  A node that names a vCPU this kernel does not
 * have, or holds anything but the two words, is reported and ignored.
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

/* "cpu/N/availability": a vCPU number we do not have is reported. */
static void vcpu_check_path(const char *changed)
{
	const char *p = changed + strlen("cpu/");
	size_t len = 0;
	uint64_t vcpu;

	if (strncmp(changed, "cpu/", 4))
		return;
	while (p[len] >= '0' && p[len] <= '9')
		len++;
	if (!len || parse_u64(p, len, &vcpu) != len)
		return;
	if (cpu_of_vcpu(vcpu) < 0)
		pr_warn("vcpu: the store names vCPU %lu, which this domain does not have "
			"(%u present); ignored\n", vcpu, nr_cpus_present);
}

static void vcpu_changed(struct xs_watch *w, const char *changed)
{
	(void)w;
	vcpu_check_path(changed);
	for (unsigned int i = 0; i < nr_cpus_present; i++)
		vcpu_follow(i);
}

static struct xs_watch vcpu_watch = {.path = "cpu", .callback = vcpu_changed};

int xen_vcpu_hotplug_init(void)
{
	int rc;

	if (!xs_available())
		return -ENODEV;
	if ((rc = xs_watch_register(&vcpu_watch)))
		return rc;
	pr_info("vcpu: following cpu/N/availability for %u vCPUs\n", nr_cpus_present);
	return 0;
}
