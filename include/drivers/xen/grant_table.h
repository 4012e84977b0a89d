/*
 * Grant tables, version 1 (drivers/xen/grant_table.c): how a frontend lets
 * a backend domain map or copy one of its pages.  A grant is published with
 * the frame and domain written before the flags (the order Xen requires);
 * ending it checks that the backend no longer has it mapped.  A grant still
 * in use goes to a deferred list that a kernel thread retries, so a page is
 * never reused while another domain can still write it.
 */
#ifndef DRIVERS_XEN_GRANT_TABLE_H
#define DRIVERS_XEN_GRANT_TABLE_H
#include <amphi/types.h>

typedef uint32_t grant_ref_t;

/* Maps the grant table (PV: GNTTABOP_setup_table; PVH:
 * XENMEM_add_to_physmap) and starts the deferred-release thread. */
int gnttab_init(void);
/* After a restore: the table's frames mapped again where they were. */
int gnttab_resume(void);
/* Grants domid access to the page at kernel address `page`: a grant
 * reference (>= 0), or a negative errno. */
int gnttab_grant_access(uint16_t domid, const void *page, bool readonly);
/* Ends a grant: 0, or -EBUSY while the other domain still uses it. */
int gnttab_end_access(grant_ref_t ref);
/* Ends a grant when the other domain lets go, then frees `page` (a frame
 * from the frame allocator) if it is not NULL. */
void gnttab_end_access_deferred(grant_ref_t ref, void *page);
/* A zeroed frame, granted: the page, or NULL with *err set. */
void *gnttab_alloc_granted_page(uint16_t domid, bool readonly, grant_ref_t *ref, int *err);

unsigned gnttab_free_count(void);
unsigned gnttab_deferred_count(void);

#endif
