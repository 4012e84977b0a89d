/*
 * The xenstore operations of xenstore.h, each one request and one reply
 * through xs_talk().  Each knows its request's payload layout and checks
 * its reply's (xs_wire.c), so a caller only ever sees a well-formed value
 * or an error.  Paths are checked before they are sent: the store would
 * refuse a malformed one anyway, and a path too long to send is better
 * refused here than truncated.
 */
#include <amphi/mm.h>
#include <amphi/printf.h>
#include <amphi/string.h>
#include "xs_internal.h"

#define XS_STR(s) ((struct xs_seg){(s), strlen(s) + 1})

static void xs_set_err(int *err, int rc)
{
	if (err)
		*err = rc;
}

/* One request whose payload starts with a path. */
static int xs_path_req(xs_transaction_t t, uint32_t type, const char *path,
		       const struct xs_seg *more, unsigned int nmore, struct xs_reply *r)
{
	struct xs_seg segs[3];

	if (!path || !xs_wire_path_ok(path) || nmore > 2)
		return -EINVAL;
	segs[0] = XS_STR(path);
	for (unsigned int i = 0; i < nmore; i++)
		segs[i + 1] = more[i];
	return xs_talk(t, type, segs, nmore + 1, r);
}

/* A request acknowledged by "OK". */
static int xs_path_ok_req(xs_transaction_t t, uint32_t type, const char *path,
			  const struct xs_seg *more, unsigned int nmore)
{
	struct xs_reply r;
	int rc = xs_path_req(t, type, path, more, nmore, &r);

	if (rc)
		return rc;
	rc = xs_wire_ok(r.body, r.len);
	kfree(r.body);
	return rc;
}

char *xs_read(xs_transaction_t t, const char *path, int *err)
{
	struct xs_reply r;
	int rc = xs_path_req(t, XS_READ, path, NULL, 0, &r);

	xs_set_err(err, rc);
	return rc ? NULL : r.body;
}

int xs_write(xs_transaction_t t, const char *path, const char *value)
{
	struct xs_seg v = {value, strlen(value)};

	return xs_path_ok_req(t, XS_WRITE, path, &v, 1);
}

int xs_printf(xs_transaction_t t, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *buf;
	int len, rc;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if (!(buf = kmalloc((size_t)len + 1)))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(buf, (size_t)len + 1, fmt, ap);
	va_end(ap);
	rc = xs_write(t, path, buf);
	kfree(buf);
	return rc;
}

/* Decimal, as the store's numbers are written; nothing else on the line. */
int xs_read_u64(xs_transaction_t t, const char *path, uint64_t *out)
{
	int rc;
	char *v = xs_read(t, path, &rc);
	size_t len;

	if (!v)
		return rc;
	len = strlen(v);
	if (len == 0 || v[0] < '0' || v[0] > '9' || parse_u64(v, len, out) != len)
		rc = -EINVAL;
	kfree(v);
	return rc;
}

int xs_mkdir(xs_transaction_t t, const char *path)
{
	return xs_path_ok_req(t, XS_MKDIR, path, NULL, 0);
}

int xs_rm(xs_transaction_t t, const char *path)
{
	return xs_path_ok_req(t, XS_RM, path, NULL, 0);
}

char *xs_directory(xs_transaction_t t, const char *path, unsigned *count, int *err)
{
	struct xs_reply r;
	int rc = xs_path_req(t, XS_DIRECTORY, path, NULL, 0, &r);

	if (!rc && (rc = xs_wire_strings(r.body, r.len, count)))
		kfree(r.body);
	xs_set_err(err, rc);
	return rc ? NULL : r.body;
}

char *xs_get_perms(xs_transaction_t t, const char *path, size_t *len, int *err)
{
	struct xs_reply r;
	int rc = xs_path_req(t, XS_GET_PERMS, path, NULL, 0, &r);

	if (!rc && !xs_wire_perms_ok(r.body, r.len)) {
		kfree(r.body);
		rc = -EBADMSG;
	}
	xs_set_err(err, rc);
	if (rc)
		return NULL;
	*len = r.len;
	return r.body;
}

int xs_set_perms(xs_transaction_t t, const char *path, const char *perms, size_t len)
{
	struct xs_seg p = {perms, len};

	if (!xs_wire_perms_ok(perms, len))
		return -EINVAL;
	return xs_path_ok_req(t, XS_SET_PERMS, path, &p, 1);
}

int xs_transaction_start(xs_transaction_t *t)
{
	struct xs_seg empty = {"", 1};
	struct xs_reply r;
	int rc = xs_talk(XBT_NIL, XS_TRANSACTION_START, &empty, 1, &r);

	if (rc)
		return rc;
	rc = xs_wire_tx_id(r.body, r.len, t);
	kfree(r.body);
	return rc;
}

int xs_transaction_end(xs_transaction_t t, bool abort)
{
	struct xs_seg how = {abort ? "F" : "T", 2};
	struct xs_reply r;
	int rc;

	if (t == XBT_NIL)
		return -EINVAL;
	rc = xs_talk(t, XS_TRANSACTION_END, &how, 1, &r);
	if (rc)
		return rc;
	rc = xs_wire_ok(r.body, r.len);
	kfree(r.body);
	return rc;
}

int xs_transact(int (*fn)(xs_transaction_t t, void *arg), void *arg)
{
	xs_transaction_t t;
	int rc;

	do {
		if ((rc = xs_transaction_start(&t)))
			return rc;
		if ((rc = fn(t, arg))) {
			xs_transaction_end(t, true);
			return rc;
		}
		rc = xs_transaction_end(t, false);
	} while (rc == -EAGAIN);
	return rc;
}
