/*
 * Starting the stack: lwIP's tcpip thread, the loopback interface lwIP
 * makes by itself, the UDP echo service, and the link to network devices.
 *
 * The echo service (port 7, RFC 862) always runs once the stack is up, so
 * a peer can check UDP in both directions without anything typed here.
 */
#include <amphi/net.h>
#include <amphi/printk.h>

#include "lwip/api.h"
#include "lwip/init.h"
#include "lwip/tcpip.h"
#include "net_priv.h"

uint64_t net_udpecho_count;
bool net_udpecho_running;
static bool stack_up;

bool net_is_up(void)
{
	return stack_up;
}

static void tcpip_ready(void *arg)
{
	sys_sem_signal(arg);
}

static void udpecho_thread(void *unused)
{
	struct netconn *c = netconn_new(NETCONN_UDP);
	struct netbuf *b;
	err_t err;

	if (!c || (err = netconn_bind(c, IP4_ADDR_ANY, 7)) != ERR_OK) {
		pr_err("net: udp echo: cannot bind port 7\n");
		if (c)
			netconn_delete(c);
		return;
	}
	net_udpecho_running = true;
	for (;;) {
		if (netconn_recv(c, &b) != ERR_OK)
			continue;
		/* The datagram goes back as it came, to where it came from. */
		if (netconn_sendto(c, b, netbuf_fromaddr(b), netbuf_fromport(b)) == ERR_OK)
			net_udpecho_count++;
		netbuf_delete(b);
	}
}

void net_init(void)
{
	sys_sem_t ready;

	sys_sem_new(&ready, 0);
	tcpip_init(tcpip_ready, &ready);
	sys_sem_wait(&ready);
	sys_sem_free(&ready);
	stack_up = true;
	pr_info("net: lwIP %s, loopback 127.0.0.1\n", LWIP_VERSION_STRING);
	sys_thread_new("udpecho", udpecho_thread, NULL, 0, 0);
	net_glue_start();
}

const char *net_err_str(int err)
{
	switch (err) {
	case ERR_OK:
		return "ok";
	case ERR_MEM:
		return "out of memory";
	case ERR_BUF:
		return "buffer error";
	case ERR_TIMEOUT:
		return "timed out";
	case ERR_RTE:
		return "no route to host";
	case ERR_INPROGRESS:
		return "operation in progress";
	case ERR_VAL:
		return "illegal value";
	case ERR_WOULDBLOCK:
		return "timed out (peer not taking data)";
	case ERR_USE:
		return "address in use";
	case ERR_ALREADY:
		return "already connecting";
	case ERR_ISCONN:
		return "already connected";
	case ERR_CONN:
		return "not connected";
	case ERR_IF:
		return "interface error";
	case ERR_ABRT:
		return "connection aborted";
	case ERR_RST:
		return "connection refused or reset";
	case ERR_CLSD:
		return "connection closed";
	case ERR_ARG:
		return "illegal argument";
	}
	return "unknown error";
}
