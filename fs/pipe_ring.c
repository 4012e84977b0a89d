/*
 * The ring under a pipe (amphi/pipe_ring.h): pure, host-tested.  A span
 * never wraps: a copy of more than the first span's bytes takes a second
 * call, after consume or produce moved the ring on.
 */
#include <amphi/pipe_ring.h>

size_t pipe_ring_data_span(const struct pipe_ring *r, uint8_t **at)
{
	size_t to_end = r->size - r->head;

	*at = r->buf + r->head;
	return r->len < to_end ? r->len : to_end;
}

size_t pipe_ring_free_span(const struct pipe_ring *r, uint8_t **at)
{
	size_t tail = (r->head + r->len) % r->size;
	size_t room = r->size - r->len, to_end = r->size - tail;

	*at = r->buf + tail;
	return room < to_end ? room : to_end;
}

void pipe_ring_consume(struct pipe_ring *r, size_t n)
{
	if (n > r->len)
		n = r->len;
	r->len -= n;
	r->head = r->len ? (r->head + n) % r->size : 0;
}

void pipe_ring_produce(struct pipe_ring *r, size_t n)
{
	if (n > pipe_ring_free(r))
		n = pipe_ring_free(r);
	r->len += n;
}
