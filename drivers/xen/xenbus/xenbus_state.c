/*
 * The value of a xenbus state node (see xenbus_state.h).  A backend
 * writes its state as a decimal number; what else it might write there
 * ("4 ", "-1", "99", "Connected", nothing at all) is refused here, in one
 * place the host tests and the fuzzer reach, rather than by whatever a
 * number parser happens to accept.
 */
#include <drivers/xen/xenbus_state.h>

static const char *const xenbus_state_names[] = {
    [XenbusStateUnknown] = "Unknown",
    [XenbusStateInitialising] = "Initialising",
    [XenbusStateInitWait] = "InitWait",
    [XenbusStateInitialised] = "Initialised",
    [XenbusStateConnected] = "Connected",
    [XenbusStateClosing] = "Closing",
    [XenbusStateClosed] = "Closed",
    [XenbusStateReconfiguring] = "Reconfiguring",
    [XenbusStateReconfigured] = "Reconfigured",
};

#define XENBUS_STATE_LAST XenbusStateReconfigured

const char *xenbus_state_name(enum xenbus_state state)
{
	if ((unsigned int)state > XENBUS_STATE_LAST)
		return "Invalid";
	return xenbus_state_names[state];
}

int xenbus_state_parse(const char *s, size_t len, enum xenbus_state *state, const char **why)
{
	unsigned int v = 0;

	if (len == 0) {
		*why = "empty";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			*why = "not a plain decimal number";
			return -1;
		}
		/* Leading zeros are still a number; stop counting past the last
		 * state so that no run of digits can overflow. */
		v = v > XENBUS_STATE_LAST ? v : v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > XENBUS_STATE_LAST) {
		*why = "beyond the protocol's states";
		return -1;
	}
	*state = (enum xenbus_state)v;
	*why = NULL;
	return 0;
}
