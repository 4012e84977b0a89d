/*
 * Magic SysRq keys (include/amphi/sysrq.h).  The table maps each key to a
 * kernel action; whoever receives keys (a driver) calls sysrq_handle and
 * needs to know none of them, and the listings are the subsystems' own,
 * the same the shell's `ps` and `mem` print.
 */
#include <amphi/mm.h>
#include <amphi/platform.h>
#include <amphi/printf.h>
#include <amphi/printk.h>
#include <amphi/sched.h>
#include <amphi/sysrq.h>

static void sysrq_help(void);

static void sysrq_reboot(void)
{
	restart();
}

static void sysrq_poweroff(void)
{
	power_off(POWER_SUCCESS);
}

static void sysrq_crash(void)
{
	power_off(POWER_FAILURE);
}

static const struct sysrq_key {
	char key;
	const char *what;
	void (*act)(void);
} sysrq_keys[] = {
    {'b', "reboot", sysrq_reboot}, {'o', "power off", sysrq_poweroff},
    {'c', "crash", sysrq_crash},   {'t', "threads", sched_show_threads},
    {'m', "memory", mm_show},	   {'h', "this help", sysrq_help},
};

static const struct sysrq_key *sysrq_find(char key)
{
	for (size_t i = 0; i < ARRAY_SIZE(sysrq_keys); i++)
		if (sysrq_keys[i].key == key)
			return &sysrq_keys[i];
	return NULL;
}

static void sysrq_help(void)
{
	char buf[160];
	size_t at = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sysrq_keys) && at < sizeof(buf); i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%c %s", i ? ", " : "",
				       sysrq_keys[i].key, sysrq_keys[i].what);
	pr_notice("sysrq keys: %s\n", buf);
}

bool sysrq_known(char key)
{
	return sysrq_find(key) != NULL;
}

void sysrq_handle(char key)
{
	const struct sysrq_key *k = sysrq_find(key);

	if (!k) {
		pr_warn("sysrq: no action for key %#x\n", (unsigned char)key);
		return;
	}
	pr_notice("sysrq: %s\n", k->what);
	k->act();
}
