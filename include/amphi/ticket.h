/*
 * The arithmetic of the ticket lock (include/amphi/spinlock.h), apart from
 * its atomic steps so that it stays pure: the host tests it
 * (tests/host/test_ticket.c), and the lock's selftest checks that the
 * kernel's instructions do what these functions say.
 *
 * A lock is one 16-bit word: the head (low byte) is the ticket being
 * served, the tail (high byte) the next ticket to hand out.  A locker adds
 * TICKET_INC to the tail with one xadd and holds the lock when the head
 * reaches the ticket it got; an unlock adds TICKET_INC to the head.  Served
 * in the order they came, so no CPU starves.
 *
 * Tickets go up by 2, so the tail's lowest bit is free to be
 * TICKET_SLOWPATH: a waiter sets it before it blocks (Xen: SCHEDOP_poll),
 * telling unlocks to look for a waiter to kick.  A locker's ticket is the
 * tail with that bit off; the fast path compares the head with the raw
 * tail, so a set flag sends a locker the slow way even when the lock is
 * free.  The byte wraps at 256: 128 tickets, so at most 127 CPUs may wait
 * while one holds (NR_CPUS stays below that; 16-bit tickets would cost the
 * fast path two instructions, a byte compare of the two halves being one).
 */
#ifndef AMPHI_TICKET_H
#define AMPHI_TICKET_H
#include <amphi/types.h>

#define TICKET_INC 2
#define TICKET_SLOWPATH 1
#define TICKET_TAIL_SHIFT 8
/* CPUs that may hold a ticket of one lock at once. */
#define TICKET_MAX_CPUS (256 / TICKET_INC - 1)

static inline uint8_t ticket_head(uint16_t w)
{
	return (uint8_t)w;
}

static inline uint8_t ticket_tail(uint16_t w)
{
	return (uint8_t)(w >> TICKET_TAIL_SHIFT);
}

static inline uint16_t ticket_word(uint8_t head, uint8_t tail)
{
	return (uint16_t)(head | tail << TICKET_TAIL_SHIFT);
}

/* The word after a locker took a ticket (what its xadd leaves). */
static inline uint16_t ticket_take(uint16_t w)
{
	return (uint16_t)(w + (TICKET_INC << TICKET_TAIL_SHIFT));
}

/* The ticket a locker got, from the word as its xadd found it. */
static inline uint8_t ticket_of(uint16_t old)
{
	return ticket_tail(old) & (uint8_t)~TICKET_SLOWPATH;
}

/* The fast path's test on the word as the xadd found it: served at once,
 * with no flag to look after. */
static inline bool ticket_fast(uint16_t old)
{
	return ticket_head(old) == ticket_tail(old);
}

/* Nobody holds the lock (nor waits for it). */
static inline bool ticket_free(uint16_t w)
{
	return ticket_head(w) == ticket_of(w);
}

/* The lock is served to `ticket` (its owner holds it). */
static inline bool ticket_served(uint16_t w, uint8_t ticket)
{
	return ticket_head(w) == ticket;
}

/* The word after an unlock: the next ticket is served. */
static inline uint16_t ticket_release(uint16_t w)
{
	return ticket_word((uint8_t)(ticket_head(w) + TICKET_INC), ticket_tail(w));
}

static inline bool ticket_flagged(uint16_t w)
{
	return ticket_tail(w) & TICKET_SLOWPATH;
}

static inline uint16_t ticket_set_flag(uint16_t w)
{
	return (uint16_t)(w | TICKET_SLOWPATH << TICKET_TAIL_SHIFT);
}

static inline uint16_t ticket_clear_flag(uint16_t w)
{
	return (uint16_t)(w & ~(TICKET_SLOWPATH << TICKET_TAIL_SHIFT));
}

/* CPUs holding a ticket: the holder and its waiters (0 when free). */
static inline unsigned int ticket_queued(uint16_t w)
{
	return (uint8_t)(ticket_of(w) - ticket_head(w)) / TICKET_INC;
}

#endif
