/*
 * A xenbus state node's value, as text from the store, turned into a
 * state: pure code (drivers/xen/xenbus/xenbus_state.c), with no printing
 * and no state of its own, so that the host tests and the xenstore fuzz
 * target give it anything a backend could write there.  The bus says
 * what was wrong (once per device) and takes such a value as Unknown.
 */
#ifndef DRIVERS_XEN_XENBUS_STATE_H
#define DRIVERS_XEN_XENBUS_STATE_H
#include <amphi/types.h>
#include <xen/io/xenbus.h>

/* The len bytes of s (a node's value; need not be terminated): 0 with
 * *state, or -1 with *why when they are empty, not a plain decimal number
 * (no sign, space or anything after it), or beyond the protocol's last
 * state (Reconfigured). */
int xenbus_state_parse(const char *s, size_t len, enum xenbus_state *state, const char **why);
/* "Connected", ...; "Invalid" for a value that is not a state. */
const char *xenbus_state_name(enum xenbus_state state);

#endif
