/*
 * pinger ADDR: dom0's side of make bench's migration downtime
 * (tools/bench-migrate.sh): one ICMP echo request to ADDR every 10 ms
 * until SIGINT or SIGTERM, then one line saying how many were sent and
 * answered and the longest run left unanswered, in requests and in ms (from
 * the first unanswered request's sending to the sending of the first one
 * answered after it, or to the end).  Busybox's ping, asked for 10 ms,
 * sent one every 39 ms in the emulated dom0, which would stretch what a
 * run of losses means: here each request's time is kept, and one that is
 * late goes at once, the ones after it every 10 ms from there (no burst
 * to catch up).  A line "pinger: N answered" each second says how far it
 * got while it runs.  Static: the dom0 has only busybox's libraries.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define INTERVAL_NS UINT64_C(10000000)
#define MAX_SENT 65536 /* the 16-bit sequence numbers: 11 minutes */

static uint64_t sent_ns[MAX_SENT];
static uint8_t answered[MAX_SENT];
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint16_t checksum(const void *p, size_t len)
{
	const uint16_t *w = p;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const uint8_t *)w;
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t) ~(sum + (sum >> 16));
}

static void send_one(int fd, const struct sockaddr_in *to, uint16_t id, uint16_t seq)
{
	struct icmphdr h = {.type = ICMP_ECHO};

	h.un.echo.id = htons(id);
	h.un.echo.sequence = htons(seq);
	h.checksum = checksum(&h, sizeof(h));
	sent_ns[seq] = now_ns();
	sendto(fd, &h, sizeof(h), 0, (const struct sockaddr *)to, sizeof(*to));
}

/* Marks the replies waiting on the socket; returns how many were ours. */
static unsigned take_replies(int fd, uint16_t id, unsigned nsent)
{
	unsigned char buf[1500];
	unsigned n = 0;
	ssize_t got;

	while ((got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		const struct iphdr *ip = (const void *)buf;
		size_t hl = (size_t)ip->ihl * 4;
		const struct icmphdr *h = (const void *)(buf + hl);
		uint16_t seq;

		if ((size_t)got < hl + sizeof(*h) || h->type != ICMP_ECHOREPLY ||
		    ntohs(h->un.echo.id) != id)
			continue;
		seq = ntohs(h->un.echo.sequence);
		if (seq < nsent && !answered[seq])
			answered[seq] = 1, n++;
	}
	return n;
}

/* The longest run of unanswered requests among NSENT, and its span. */
static void report(unsigned nsent, unsigned nanswered, uint64_t t_end)
{
	unsigned run = 0, best = 0, start = 0;
	uint64_t span = 0, t0 = nsent ? sent_ns[0] : t_end;

	for (unsigned i = 0; i <= nsent; i++) {
		if (i < nsent && !answered[i]) {
			if (!run++)
				start = i;
			continue;
		}
		if (run > best) {
			best = run;
			span = (i < nsent ? sent_ns[i] : t_end) - sent_ns[start];
		}
		run = 0;
	}
	printf("pinger: %u sent in %" PRIu64 " ms (%.1f ms apart), %u answered, longest run "
	       "unanswered %u (%" PRIu64 " ms)\n",
	       nsent, (t_end - t0) / 1000000, nsent ? (double)(t_end - t0) / 1e6 / nsent : 0.0,
	       nanswered, best, span / 1000000);
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	uint16_t id = (uint16_t)getpid();
	unsigned nsent = 0, nanswered = 0;
	uint64_t next, said;
	struct sigaction sa;
	int fd;

	if (argc != 2 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: pinger IPV4-ADDRESS\n");
		return 2;
	}
	if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0) {
		perror("pinger: raw socket");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	next = said = now_ns();
	while (!stop && nsent < MAX_SENT) {
		uint64_t t = now_ns();
		struct pollfd p = {.fd = fd, .events = POLLIN};
		struct timespec wait = {0, 0};

		if (t >= next) {
			send_one(fd, &to, id, (uint16_t)nsent++);
			next = (t - next > INTERVAL_NS ? t : next) + INTERVAL_NS;
		}
		if (t - said >= 1000000000u) {
			printf("pinger: %u answered\n", nanswered);
			said = t;
		}
		t = now_ns();
		wait.tv_nsec = (long)(next > t ? next - t : 0);
		if (ppoll(&p, 1, &wait, NULL) > 0)
			nanswered += take_replies(fd, id, nsent);
	}
	nanswered += take_replies(fd, id, nsent);
	report(nsent, nanswered, now_ns());
	return 0;
}
