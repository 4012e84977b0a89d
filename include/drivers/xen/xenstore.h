/*
 * The xenstore client (drivers/xen/xenbus/).  Requests go over the store
 * ring (xen/io/xs_wire.h) with their own request ids; every reply is
 * checked (length, type, id, terminators) and a malformed one is an error
 * returned to the caller (-EBADMSG), never a crash or a hang.  A reply
 * that does not come within 10 s is -ETIMEDOUT.  Calls sleep: thread
 * context only, never from an interrupt.  Errors are negative errno
 * values from amphi/errno.h (the store's "ENOENT" becomes -ENOENT).
 *
 * A path not starting with '/' is relative to this domain's directory,
 * /local/domain/<domid>; a malformed path is -EINVAL before anything is
 * sent, a request over XENSTORE_PAYLOAD_MAX is -E2BIG.
 */
#ifndef DRIVERS_XEN_XENSTORE_H
#define DRIVERS_XEN_XENSTORE_H
#include <amphi/types.h>

typedef uint32_t xs_transaction_t;
#define XBT_NIL ((xs_transaction_t)0)

/* Connects to the store ring and starts the watch thread: 0, or -ENODEV
 * when this domain has no store (a dom0 before xenstored runs), or
 * -ETIMEDOUT when the store does not answer a first request. */
int xs_init(void);
/* Across a suspend: drained and held (0, or -EBUSY with the store free
 * again), then let go; in a new domain the ring's new store and port
 * taken up and every watch sent again. */
int xs_suspend(void);
void xs_resume(bool new_domain);
bool xs_available(void);

/* A kmalloc'd NUL-terminated copy of the value (kfree it), or NULL with
 * *err set. */
char *xs_read(xs_transaction_t t, const char *path, int *err);
int xs_write(xs_transaction_t t, const char *path, const char *value);
int xs_printf(xs_transaction_t t, const char *path, const char *fmt, ...) __printf(3, 4);
int xs_read_u64(xs_transaction_t t, const char *path, uint64_t *out);
int xs_mkdir(xs_transaction_t t, const char *path);
int xs_rm(xs_transaction_t t, const char *path);
/* The children of path: a kmalloc'd buffer of *count NUL-terminated names
 * one after the other (kfree it), or NULL with *err set. */
char *xs_directory(xs_transaction_t t, const char *path, unsigned *count, int *err);
/* Permissions in the store's own form: NUL-separated entries such as
 * "n0" (owner dom0, no access for others) then "r5" (dom5 may read). */
char *xs_get_perms(xs_transaction_t t, const char *path, size_t *len, int *err);
int xs_set_perms(xs_transaction_t t, const char *path, const char *perms, size_t len);

int xs_transaction_start(xs_transaction_t *t);
/* Commits (or aborts); -EAGAIN when another writer got in first: the
 * caller redoes the whole transaction. */
int xs_transaction_end(xs_transaction_t t, bool abort);
/* Runs fn in a transaction, again from the start while another writer
 * gets in first (-EAGAIN); an error from fn aborts it and is returned. */
int xs_transact(int (*fn)(xs_transaction_t t, void *arg), void *arg);

/* Watches fire once when registered and on every change at or below
 * `path`; the callback runs in the watch thread, one at a time, and may
 * itself use the store and register or remove watches.  The watch and its
 * path must stay valid while registered; once xs_watch_unregister()
 * returns (-ENOENT: it was not registered) its callback is not running
 * and will not run again, so it may be freed. */
struct xs_watch {
	const char *path;
	void (*callback)(struct xs_watch *w, const char *changed_path);
	void *data;
	struct xs_watch *next; /* private to the client */
	unsigned long token;   /* private to the client */
};
int xs_watch_register(struct xs_watch *w);
int xs_watch_unregister(struct xs_watch *w);

#endif
