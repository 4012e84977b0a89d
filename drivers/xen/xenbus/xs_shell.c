/*
 * The shell's view of the store and the bus: `xenstore` reads, writes,
 * lists and watches nodes, `xenbus` lists the devices.  A listing is
 * bounded in depth and in nodes, since a dom0-sized tree would scroll for
 * ever over a serial line, and says where it was cut.  Shell watches print
 * from the watch thread, so their lines may land between a prompt and
 * what is typed after it.
 */
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/shell.h>
#include <amphi/string.h>
#include "xenbus_bus.h"

#define LS_DEPTH_MAX 8
#define LS_NODES_MAX 400
#define SHOW_MAX 60

struct xs_shell_watch {
	struct xs_watch w;
	struct xs_shell_watch *next;
	char path[];
};

/* Changed by the shell thread only. */
static struct xs_shell_watch *xs_shell_watches;

/* The store's own names for its errors, and ours for the client's. */
static const char *xs_errname(int rc)
{
	for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
		if (xsd_errors[i].errnum == -rc)
			return xsd_errors[i].errstring;
	if (rc == -EBADMSG)
		return "EBADMSG";
	if (rc == -ETIMEDOUT)
		return "ETIMEDOUT";
	return rc == -ENODEV ? "ENODEV" : "?";
}

/* At most SHOW_MAX characters, anything unprintable as '.'. */
static void xs_show_value(const char *v)
{
	char buf[SHOW_MAX + 1];
	size_t n = strnlen(v, SHOW_MAX);

	for (size_t i = 0; i < n; i++)
		buf[i] = v[i] >= 0x20 && v[i] < 0x7f ? v[i] : '.';
	buf[n] = '\0';
	kprintf(" = \"%s\"%s\n", buf, v[n] ? "..." : "");
}

static void xs_ls_node(const char *path, const char *name, int depth, unsigned int *budget);

static void xs_ls_children(const char *path, int depth, unsigned int *budget)
{
	unsigned int count;
	int rc;
	char *names = xs_directory(XBT_NIL, path, &count, &rc);
	const char *name = names;

	if (!names) {
		kprintf("%*s(cannot list: %s)\n", depth * 2, "", xs_errname(rc));
		return;
	}
	for (unsigned int i = 0; i < count; i++, name += strlen(name) + 1) {
		if (*budget == 0) {
			kprintf("%*s... (cut at %u nodes)\n", depth * 2, "", LS_NODES_MAX);
			break;
		}
		size_t len = strlen(path) + strlen(name) + 2;
		char *child = kmalloc(len);

		if (!child)
			break;
		snprintf(child, len, "%s%s%s", path, strcmp(path, "/") ? "/" : "", name);
		xs_ls_node(child, name, depth, budget);
		kfree(child);
	}
	kfree(names);
}

static void xs_ls_node(const char *path, const char *name, int depth, unsigned int *budget)
{
	int rc;
	char *v = xs_read(XBT_NIL, path, &rc);

	(*budget)--;
	kprintf("%*s%s", depth * 2, "", name);
	if (v)
		xs_show_value(v);
	else
		kprintf(" (%s)\n", xs_errname(rc));
	kfree(v);
	if (depth + 1 < LS_DEPTH_MAX)
		xs_ls_children(path, depth + 1, budget);
}

static int xs_cmd_ls(const char *path)
{
	char home[32];
	unsigned int budget = LS_NODES_MAX;

	if (!path) {
		snprintf(home, sizeof(home), "/local/domain/%d", xs_domid());
		path = home;
	}
	xs_ls_node(path, path, 0, &budget);
	return 0;
}

static int xs_cmd_read(const char *path)
{
	int rc;
	char *v = xs_read(XBT_NIL, path, &rc);

	if (!v) {
		kprintf("xenstore: read %s: %s\n", path, xs_errname(rc));
		return 1;
	}
	kprintf("%s\n", v);
	kfree(v);
	return 0;
}

/* The value is the rest of the line, its words joined by single spaces. */
static int xs_cmd_write(const char *path, int nwords, char **words)
{
	char value[256] = "";
	size_t len = 0;
	int rc;

	for (int i = 0; i < nwords && len < sizeof(value); i++)
		len += (size_t)snprintf(value + len, sizeof(value) - len, "%s%s", i ? " " : "",
					words[i]);
	if (len >= sizeof(value)) {
		kprintf("xenstore: value too long for the shell\n");
		return 1;
	}
	if ((rc = xs_write(XBT_NIL, path, value)))
		kprintf("xenstore: write %s: %s\n", path, xs_errname(rc));
	return rc ? 1 : 0;
}

static int xs_cmd_rm(const char *path)
{
	int rc = xs_rm(XBT_NIL, path);

	if (rc)
		kprintf("xenstore: rm %s: %s\n", path, xs_errname(rc));
	return rc ? 1 : 0;
}

static void xs_shell_watch_fired(struct xs_watch *w, const char *path)
{
	kprintf("[watch %s] %s\n", w->path, path);
}

static int xs_cmd_watch_add(const char *path)
{
	size_t len = strlen(path) + 1;
	struct xs_shell_watch *sw = kmalloc(sizeof(*sw) + len);
	int rc;

	if (!sw)
		return 1;
	memcpy(sw->path, path, len);
	sw->w = (struct xs_watch){.path = sw->path, .callback = xs_shell_watch_fired};
	if ((rc = xs_watch_register(&sw->w))) {
		kprintf("xenstore: watch %s: %s\n", path, xs_errname(rc));
		kfree(sw);
		return 1;
	}
	sw->next = xs_shell_watches;
	xs_shell_watches = sw;
	return 0;
}

static int xs_cmd_watch_del(const char *path)
{
	for (struct xs_shell_watch **p = &xs_shell_watches; *p; p = &(*p)->next) {
		struct xs_shell_watch *sw = *p;

		if (!strcmp(sw->path, path)) {
			*p = sw->next;
			xs_watch_unregister(&sw->w);
			kfree(sw);
			return 0;
		}
	}
	kprintf("xenstore: no shell watch on %s\n", path);
	return 1;
}

static int xs_cmd_watch(int argc, char **argv)
{
	if (argc == 2) {
		for (struct xs_shell_watch *sw = xs_shell_watches; sw; sw = sw->next)
			kprintf("  %s\n", sw->path);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[2], "-d"))
		return xs_cmd_watch_del(argv[3]);
	return argc == 3 ? xs_cmd_watch_add(argv[2]) : -1;
}

static int xs_cmd_stats(void)
{
	struct xs_stats s = xs_stats;

	kprintf("requests %lu, replies %lu (errors %lu, malformed %lu), timeouts %lu, "
		"unmatched %lu\n",
		s.requests, s.replies, s.errors, s.malformed, s.timeouts, s.unmatched);
	kprintf("reply time: mean %lu us, max %lu us; watch events %lu, dropped %lu\n",
		s.replies ? s.reply_ns_total / s.replies / NSEC_PER_USEC : 0,
		s.reply_ns_max / NSEC_PER_USEC, s.watch_events, s.watch_dropped);
	return 0;
}

static int xs_cmd_run(int argc, char **argv)
{
	const char *cmd = argv[1], *path = argc > 2 ? argv[2] : NULL;

	if (!strcmp(cmd, "ls") && argc <= 3)
		return xs_cmd_ls(path);
	if (!strcmp(cmd, "read") && argc == 3)
		return xs_cmd_read(path);
	if (!strcmp(cmd, "write") && argc >= 4)
		return xs_cmd_write(path, argc - 3, argv + 3);
	if (!strcmp(cmd, "rm") && argc == 3)
		return xs_cmd_rm(path);
	if (!strcmp(cmd, "watch"))
		return xs_cmd_watch(argc, argv);
	if (!strcmp(cmd, "stats") && argc == 2)
		return xs_cmd_stats();
	return -1;
}

SHELL_CMD(xenstore, "the store: ls [PATH], read PATH, write PATH VALUE, rm PATH, "
		    "watch [-d] [PATH], stats")
{
	int rc;

	if (!xs_available()) {
		kprintf("xenstore: this domain has no store\n");
		return 1;
	}
	if (argc < 2 || (rc = xs_cmd_run(argc, argv)) < 0) {
		kprintf("usage: xenstore ls [PATH] | read PATH | write PATH VALUE | rm PATH |\n"
			"       watch [PATH] | watch -d PATH | stats\n");
		return 1;
	}
	return rc;
}

SHELL_CMD(xenbus, "xenbus devices: driver, own state, backend and its state")
{
	struct xenbus_bus *bus = &xenbus_main_bus;
	unsigned int n = 0;

	if (!xs_available()) {
		kprintf("xenbus: this domain has no store\n");
		return 1;
	}
	xenbus_bus_lock(bus);
	for (struct xenbus_device *d = bus->devices; d; d = d->next, n++)
		kprintf("%-22s driver %-8s %-12s backend %s (domain %d) %s\n", d->nodename,
			d->driver ? d->driver->type : "(none)", xenbus_state_name(d->state),
			d->otherend, d->otherend_id,
			xenbus_state_name(xenbus_read_otherend_state(d)));
	xenbus_bus_unlock(bus);
	kprintf("%u device(s) under %s\n", n, bus->root);
	return 0;
}
