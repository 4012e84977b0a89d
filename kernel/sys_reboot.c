/*
 * reboot(2) and sync(2), what busybox's `poweroff -f`, `reboot -f` and
 * `halt -f` call (sync first, then reboot with Linux's magic numbers).
 *
 * As Linux: both magic numbers must be right, or -EINVAL, whatever the
 * command; every process runs as root here, so nobody lacks CAP_SYS_BOOT.
 * POWER_OFF powers off with success, RESTART and RESTART2 restart (the
 * latter's argument string is not used), CAD_ON and CAD_OFF only record
 * whether Ctrl-Alt-Del would restart (nothing sends it: there is no
 * keyboard), KEXEC and SW_SUSPEND are -ENOSYS as on a Linux built
 * without them, and any other command is -EINVAL.  HALT powers off too,
 * as Linux does on Xen: a machine left halting forever is no use to
 * anyone, natively or in a domain.  Each says so first, with Linux's
 * words.
 *
 * sync has nothing to write back: the only file system lives in memory.
 */
#include <amphi/errno.h>
#include <amphi/platform.h>
#include <amphi/printk.h>
#include <amphi/syscall.h>

#define REBOOT_MAGIC1 0xfee1deadu
#define REBOOT_MAGIC2 672274793u
#define REBOOT_MAGIC2A 85072278u
#define REBOOT_MAGIC2B 369367448u
#define REBOOT_MAGIC2C 537993216u

#define REBOOT_CMD_RESTART 0x01234567u
#define REBOOT_CMD_HALT 0xcdef0123u
#define REBOOT_CMD_CAD_ON 0x89abcdefu
#define REBOOT_CMD_CAD_OFF 0x00000000u
#define REBOOT_CMD_POWER_OFF 0x4321fedcu
#define REBOOT_CMD_RESTART2 0xa1b2c3d4u
#define REBOOT_CMD_SW_SUSPEND 0xd000fce2u
#define REBOOT_CMD_KEXEC 0x45584543u

static bool reboot_cad_on = true; /* Linux's default, C_A_D */

long sys_sync(const struct sysargs *a)
{
	return 0;
}

static bool reboot_magic_ok(uint32_t magic1, uint32_t magic2)
{
	return magic1 == REBOOT_MAGIC1 && (magic2 == REBOOT_MAGIC2 || magic2 == REBOOT_MAGIC2A ||
					   magic2 == REBOOT_MAGIC2B || magic2 == REBOOT_MAGIC2C);
}

long sys_reboot(const struct sysargs *a)
{
	if (!reboot_magic_ok((uint32_t)a->a[0], (uint32_t)a->a[1]))
		return -EINVAL;
	switch ((uint32_t)a->a[2]) {
	case REBOOT_CMD_CAD_ON:
	case REBOOT_CMD_CAD_OFF:
		reboot_cad_on = (uint32_t)a->a[2] == REBOOT_CMD_CAD_ON;
		return 0;
	case REBOOT_CMD_RESTART:
	case REBOOT_CMD_RESTART2:
		pr_notice("reboot: Restarting system\n");
		restart();
	case REBOOT_CMD_POWER_OFF:
		pr_notice("reboot: Power down\n");
		power_off(POWER_SUCCESS);
	case REBOOT_CMD_HALT:
		pr_notice("reboot: System halted\n");
		power_off(POWER_SUCCESS);
	case REBOOT_CMD_KEXEC:
	case REBOOT_CMD_SW_SUSPEND:
		return -ENOSYS;
	default:
		return -EINVAL;
	}
}
