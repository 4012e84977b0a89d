/*
 * udpcheck IP PORT COUNT: sends COUNT UDP datagrams of different sizes and
 * contents to an echo service at IP:PORT and checks that each comes back
 * whole and unchanged.  Runs in the test dom0, whose busybox nc has no
 * UDP.  Gives up after three datagrams in a row go unanswered.  Prints
 * one line "udpcheck: N/COUNT echoed intact" (plus one line
 * per problem) and exits 0 only when all of them were.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	struct timeval tv = {.tv_sec = 5};
	unsigned char out[1400], in[2048];
	int fd, count, good = 0, silent = 0;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
	    (to.sin_port = htons((unsigned short)atoi(argv[2]))) == 0 ||
	    (count = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: udpcheck IP PORT COUNT\n");
		return 2;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		perror("udpcheck: socket");
		return 1;
	}
	for (int i = 0; i < count; i++) {
		size_t len = 1 + (size_t)(i * 97) % sizeof(out);
		ssize_t got = -1;

		for (size_t j = 0; j < len; j++)
			out[j] = (unsigned char)(i * 31 + j * 7);
		if (send(fd, out, len, 0) != (ssize_t)len) {
			perror("udpcheck: send");
			return 1;
		}
		got = recv(fd, in, sizeof(in), 0);
		if (got == (ssize_t)len && !memcmp(in, out, len))
			good++;
		else if (got < 0)
			printf("udpcheck: datagram %d (%zu bytes): no echo within 5 s\n", i, len);
		else
			printf("udpcheck: datagram %d (%zu bytes): echo of %zd bytes differs\n", i, len,
			       got);
		silent = got < 0 ? silent + 1 : 0;
		if (silent == 3) {
			printf("udpcheck: 3 datagrams in a row without an echo: giving up\n");
			break;
		}
	}
	printf("udpcheck: %d/%d echoed intact\n", good, count);
	return good == count ? 0 : 1;
}
