/* SPDX-License-Identifier: MIT */
/*
 * net_trace_race.c - a program that changes the address it connects to
 * while the call is judged: one thread flips the port of a UDP socket's
 * address between PORT and PORT+1 as fast as it can while another
 * connects to it 300 times.  The test (tests/test_net.c) reads the trace
 * and checks that each connect shows the address the VMM judged, never
 * what guest memory held a moment later.
 *
 *   net_trace_race PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

static struct sockaddr_in target;
static volatile int done;
static uint16_t ports[2];

static void *flip(void *unused)
{
	/* volatile: every flip a store the other thread's call may meet */
	volatile uint16_t *port = &target.sin_port;

	(void)unused;
	while (!done)
		*port = *port == ports[0] ? ports[1] : ports[0];
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int fd;

	if (argc != 2)
		return 2;
	ports[0] = htons((uint16_t)atoi(argv[1]));
	ports[1] = htons((uint16_t)(atoi(argv[1]) + 1));
	target = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = ports[0],
				       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 || pthread_create(&t, NULL, flip, NULL)) {
		perror("net_trace_race");
		return 1;
	}
	for (int i = 0; i < 300; i++)
		connect(fd, (struct sockaddr *)&target, sizeof(target));
	done = 1;
	pthread_join(t, NULL);
	printf("300 connects\n");
	return 0;
}
