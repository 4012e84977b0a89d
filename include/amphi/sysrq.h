/*
 * Magic SysRq: one key asks the kernel for something at once, whoever
 * delivers it (the Xen toolstack's `xl sysrq` through drivers/xen/control.c
 * today).  The keys are Linux's, where Amphi has the action.
 */
#ifndef AMPHI_SYSRQ_H
#define AMPHI_SYSRQ_H
#include <amphi/types.h>

/* Whether KEY has an action here. */
bool sysrq_known(char key);
/* Carries out KEY's action (some of them do not return); unknown keys
 * are reported and ignored.  Thread context. */
void sysrq_handle(char key);

#endif
