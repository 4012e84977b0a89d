/*
 * The options Amphi understands on its command line, in the manner of
 * Linux: console=, earlyprintk=xen, loglevel=, quiet, debug, nopvpatch, bench[=lhp|smp],
 * selftest[=a,b], ip=, maxcpus=, nopvspin, rdinit=, init= and shell.
 * The words are parsed by lib/cmdline.c; this file says what each means.
 * Anything unknown or malformed is reported at boot, never silently dropped.
 */
#include <amphi/params.h>
#include <amphi/cmdline.h>
#include <amphi/printk.h>
#include <amphi/selftest.h>
#include <amphi/string.h>

const char *param_console;
bool param_earlyprintk_xen;
bool param_nopvpatch;
bool param_nopvspin;
enum bench_kind param_bench;
unsigned int param_maxcpus;
struct ipconfig param_ip;
const char *param_rdinit;
const char *param_init;
bool param_shell;

/* Values are copied here: the handlers get pointers into the line. */
static char console_buf[32];
static char selftest_buf[512];

static int opt_console(const char *v, size_t n, const char **why)
{
	if (!v || n == 0 || n >= sizeof(console_buf)) {
		*why = "expects a console name such as ttyS0 or hvc0";
		return -1;
	}
	memcpy(console_buf, v, n);
	console_buf[n] = '\0';
	param_console = console_buf;
	return 0;
}

static int opt_earlyprintk(const char *v, size_t n, const char **why)
{
	if (!v || n != 3 || strncmp(v, "xen", 3)) {
		*why = "only earlyprintk=xen is supported";
		return -1;
	}
	param_earlyprintk_xen = true;
	return 0;
}

static int opt_loglevel(const char *v, size_t n, const char **why)
{
	uint64_t level;

	if (!v || parse_u64(v, n, &level) != n || level > 15) {
		*why = "expects a number from 0 to 15";
		return -1;
	}
	console_loglevel = (int)level;
	return 0;
}

static int opt_quiet(const char *v, size_t n, const char **why)
{
	console_loglevel = 4;
	return 0;
}

static int opt_debug(const char *v, size_t n, const char **why)
{
	console_loglevel = 10;
	return 0;
}

static int opt_nopvpatch(const char *v, size_t n, const char **why)
{
	if (v) {
		*why = "takes no value";
		return -1;
	}
	param_nopvpatch = true;
	return 0;
}

static int opt_nopvspin(const char *v, size_t n, const char **why)
{
	if (v) {
		*why = "takes no value";
		return -1;
	}
	param_nopvspin = true;
	return 0;
}

static int opt_bench(const char *v, size_t n, const char **why)
{
	if (!v)
		param_bench = BENCH_OPS;
	else if (n == 3 && !strncmp(v, "lhp", 3))
		param_bench = BENCH_LHP;
	else if (n == 3 && !strncmp(v, "smp", 3))
		param_bench = BENCH_SMP;
	else {
		*why = "takes no value, lhp or smp";
		return -1;
	}
	return 0;
}

static int opt_selftest(const char *v, size_t n, const char **why)
{
	if (v && n >= sizeof(selftest_buf)) {
		*why = "list too long";
		return -1;
	}
	if (v)
		memcpy(selftest_buf, v, n);
	selftest_buf[v ? n : 0] = '\0';
	selftest_request = selftest_buf;
	return 0;
}

static int opt_maxcpus(const char *v, size_t n, const char **why)
{
	uint64_t cpus;

	if (!v || parse_u64(v, n, &cpus) != n || cpus > 4096) {
		*why = "expects a number of CPUs from 0 to 4096";
		return -1;
	}
	param_maxcpus = cpus ? (unsigned int)cpus : 1;
	return 0;
}

/* ip= is checked whole here, at boot, so a typo is reported before the
 * network comes up rather than as a silently unconfigured interface. */
static int opt_ip(const char *v, size_t n, const char **why)
{
	struct ipconfig c;

	if (ipconfig_parse(v, v ? n : 0, &c, why))
		return -1;
	param_ip = c;
	return 0;
}

/* rdinit= and init=: a path, or (rdinit= alone) none. */
static int opt_path(char *buf, size_t size, const char **param, const char *v, size_t n,
		    const char **why)
{
	if (v && n >= size) {
		*why = "path too long";
		return -1;
	}
	if (v)
		memcpy(buf, v, n);
	buf[v ? n : 0] = '\0';
	*param = buf;
	return 0;
}

static int opt_rdinit(const char *v, size_t n, const char **why)
{
	static char buf[256];

	return opt_path(buf, sizeof(buf), &param_rdinit, v, n, why);
}

static int opt_init(const char *v, size_t n, const char **why)
{
	static char buf[256];

	if (!v || !n) {
		*why = "expects the path of a program";
		return -1;
	}
	return opt_path(buf, sizeof(buf), &param_init, v, n, why);
}

static int opt_shell(const char *v, size_t n, const char **why)
{
	if (v) {
		*why = "takes no value";
		return -1;
	}
	param_shell = true;
	return 0;
}

static const struct cmdline_option options[] = {
    {"rdinit", opt_rdinit},
    {"init", opt_init},
    {"shell", opt_shell},
    {"console", opt_console},
    {"earlyprintk", opt_earlyprintk},
    {"loglevel", opt_loglevel},
    {"quiet", opt_quiet},
    {"debug", opt_debug},
    {"selftest", opt_selftest},
    {"nopvpatch", opt_nopvpatch},
    {"bench", opt_bench},
    {"ip", opt_ip},
    {"maxcpus", opt_maxcpus},
    {"nopvspin", opt_nopvspin},
};

static void report(enum cmdline_problem what, const char *word, size_t len, const char *why)
{
	static const char *const kinds[] = {
	    [CMDLINE_UNKNOWN] = "unknown option",
	    [CMDLINE_MALFORMED] = "malformed option",
	    [CMDLINE_REJECTED] = "bad value for option",
	};

	pr_warn("cmdline: %s '%.*s'%s%s%s\n", kinds[what], (int)len, word, why ? " (" : "",
		why ? why : "", why ? ")" : "");
}

void params_parse(const char *cmdline)
{
	cmdline_apply(cmdline, options, ARRAY_SIZE(options), report);
}
