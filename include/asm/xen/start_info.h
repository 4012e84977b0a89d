/*
 * What is decided on Xen PV's start_info (arch/x86/xen/start_info.c, pure
 * code: the host fuzzes it).  Kept apart from asm/xen/xen.h so the host
 * can build it without the rest of the Xen platform.
 */
#ifndef ASM_XEN_START_INFO_H
#define ASM_XEN_START_INFO_H
#include <amphi/boot.h>
#include <xen/xen.h>

/* The command line and the boot memory into bi; what is refused is noted
 * there. */
void xen_pv_start_info_parse(const start_info_t *si, struct boot_info *bi);
/* One past Xen's bootstrap region, page aligned, plus the bootstrap
 * stack's page.  start_info is at si_addr; a domU's console and xenstore
 * pages are at console_pfn and store_pfn (pseudo-physical).  A region
 * whose end wraps is left out and *why names it (else *why is NULL). */
uint64_t xen_pv_bootstrap_end(const start_info_t *si, uint64_t si_addr, uint64_t console_pfn,
			      uint64_t store_pfn, const char **why);

#endif
