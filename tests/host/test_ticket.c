/* Unit tests of the ticket lock's arithmetic (include/amphi/ticket.h).
 *
 * Directed tests pin down the edges: the byte wrap of head and tail (a
 * carry out of one must never reach the other), the slow-path flag kept
 * across a wrap and ignored by the ticket a locker gets, a free but
 * flagged lock sending lockers the slow way.  A long random run then
 * checks fairness against a plain queue: lockers come and go, the lock
 * wraps many times, and the ticket served is always that of the earliest
 * locker still waiting. */
#include "amphi_test.h"
#include <amphi/ticket.h>

static void test_fresh_lock(void **state)
{
	uint16_t w = 0, old;

	assert_true(ticket_free(w));
	assert_int_equal(ticket_queued(w), 0);
	old = w;
	w = ticket_take(w);
	assert_true(ticket_fast(old));
	assert_int_equal(ticket_of(old), 0);
	assert_true(ticket_served(w, 0));
	assert_false(ticket_free(w));
	assert_int_equal(ticket_queued(w), 1);
	/* A second locker waits for ticket 2. */
	old = w;
	w = ticket_take(w);
	assert_false(ticket_fast(old));
	assert_int_equal(ticket_of(old), TICKET_INC);
	assert_false(ticket_served(w, TICKET_INC));
	assert_int_equal(ticket_queued(w), 2);
	w = ticket_release(w);
	assert_true(ticket_served(w, TICKET_INC));
	w = ticket_release(w);
	assert_true(ticket_free(w));
}

/* The tail wraps without touching the head, and the head without
 * touching the tail (the kernel adds to the word and to the head byte). */
static void test_wrap(void **state)
{
	uint16_t w = ticket_word(0x10, 0xfe);

	assert_int_equal(ticket_of(w), 0xfe);
	w = ticket_take(w);
	assert_int_equal(ticket_head(w), 0x10);
	assert_int_equal(ticket_tail(w), 0x00);
	w = ticket_word(0xfe, 0x02);
	assert_int_equal(ticket_queued(w), 2);
	w = ticket_release(w);
	assert_int_equal(ticket_head(w), 0x00);
	assert_int_equal(ticket_tail(w), 0x02);
	assert_int_equal(ticket_queued(w), 1);
	w = ticket_release(ticket_release(w));
	assert_int_equal(ticket_head(w), 0x04);
	assert_int_equal(ticket_tail(w), 0x02);
}

static void test_flag(void **state)
{
	uint16_t free_flagged = ticket_set_flag(ticket_word(0x40, 0x40));
	uint16_t w;

	assert_true(ticket_flagged(free_flagged));
	assert_true(ticket_free(free_flagged));
	assert_int_equal(ticket_queued(free_flagged), 0);
	/* The fast path's compare fails, the slow path finds it served. */
	assert_false(ticket_fast(free_flagged));
	assert_int_equal(ticket_of(free_flagged), 0x40);
	w = ticket_take(free_flagged);
	assert_true(ticket_served(w, 0x40));
	assert_true(ticket_flagged(w));
	/* The flag survives a tail wrap. */
	w = ticket_take(ticket_set_flag(ticket_word(0x00, 0xfe)));
	assert_true(ticket_flagged(w));
	assert_int_equal(ticket_of(w), 0x00);
	assert_int_equal(ticket_clear_flag(w), ticket_word(0x00, 0x00));
	/* The word an unlock that found the flag compares against, when
	 * nobody holds or waits any more. */
	w = ticket_release(ticket_set_flag(ticket_word(0x40, 0x42)));
	assert_int_equal(w, ticket_word(0x42, 0x42 | TICKET_SLOWPATH));
	assert_true(ticket_free(w));
	assert_false(ticket_flagged(ticket_clear_flag(w)));
}

/* spin_trylock: only a free lock is taken, flagged or not. */
static bool try_take(uint16_t *w)
{
	if (!ticket_free(*w))
		return false;
	*w = ticket_take(*w);
	return true;
}

static void test_trylock(void **state)
{
	uint16_t w = ticket_word(0x20, 0x20);

	assert_true(try_take(&w));
	assert_false(try_take(&w));
	w = ticket_release(w);
	w = ticket_set_flag(w);
	assert_true(try_take(&w));
	assert_true(ticket_flagged(w));
	assert_true(ticket_served(w, 0x22));
}

/* As many CPUs as a lock can queue, each with its own ticket. */
static void test_max_cpus(void **state)
{
	uint16_t w = ticket_word(0x80, 0x80);
	bool seen[256] = {false};

	for (unsigned int i = 0; i < TICKET_MAX_CPUS; i++) {
		uint8_t t = ticket_of(w);

		assert_false(seen[t]);
		seen[t] = true;
		w = ticket_take(w);
		assert_int_equal(ticket_queued(w), i + 1);
		assert_false(ticket_free(w));
	}
	assert_true(TICKET_MAX_CPUS * TICKET_INC < 256);
}

/* Random arrivals and releases against a FIFO of who came when. */
static void test_fair_random(void **state)
{
	uint8_t queue[TICKET_MAX_CPUS];
	unsigned int qhead = 0, qlen = 0, served = 0;
	uint16_t w = ticket_word(0xf0, 0xf0);

	srand(9);
	for (unsigned int step = 0; step < 200000; step++) {
		if (qlen < TICKET_MAX_CPUS && (qlen == 0 || rand() % 2)) {
			uint16_t old = w;

			if (rand() % 8 == 0)
				old = w = ticket_set_flag(w);
			w = ticket_take(w);
			assert_true(ticket_fast(old) == (qlen == 0 && !ticket_flagged(old)));
			queue[(qhead + qlen++) % TICKET_MAX_CPUS] = ticket_of(old);
		} else {
			assert_true(ticket_served(w, queue[qhead]));
			w = ticket_release(w);
			qhead = (qhead + 1) % TICKET_MAX_CPUS;
			qlen--;
			served++;
			if (qlen) {
				assert_true(ticket_served(w, queue[qhead]));
			} else {
				assert_true(ticket_free(w));
				w = ticket_clear_flag(w); /* as an unlock that found it does */
			}
		}
		assert_int_equal(ticket_queued(w), qlen);
	}
	assert_true(served > 200000 / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fresh_lock), cmocka_unit_test(test_wrap),
	    cmocka_unit_test(test_flag),       cmocka_unit_test(test_trylock),
	    cmocka_unit_test(test_max_cpus),   cmocka_unit_test(test_fair_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
