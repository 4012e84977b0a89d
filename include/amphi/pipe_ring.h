/*
 * A pipe's buffer as a ring of bytes (fs/pipe_ring.c), apart from the
 * pipe itself (fs/pipe.c) so that the host tests can run it: where the
 * next bytes go or come from, as at most two contiguous spans, and the
 * count moved once they are copied.  The copying is the caller's.
 */
#ifndef AMPHI_PIPE_RING_H
#define AMPHI_PIPE_RING_H
#include <amphi/types.h>

struct pipe_ring {
	uint8_t *buf;
	size_t size; /* bytes in buf */
	size_t head; /* where the oldest byte is */
	size_t len;  /* bytes held */
};

static inline size_t pipe_ring_free(const struct pipe_ring *r)
{
	return r->size - r->len;
}

/* The contiguous bytes held from the oldest on: their length (0 when
 * empty), *at their start. */
size_t pipe_ring_data_span(const struct pipe_ring *r, uint8_t **at);
/* The contiguous free room after the newest byte: its length, *at. */
size_t pipe_ring_free_span(const struct pipe_ring *r, uint8_t **at);
/* n bytes of the data span were copied out / n of the free span in
 * (at most what there is). */
void pipe_ring_consume(struct pipe_ring *r, size_t n);
void pipe_ring_produce(struct pipe_ring *r, size_t n);

#endif
