/* SPDX-License-Identifier: MIT */
/*
 * fetch.c - a small HTTP client, to try lstar's network rules on:
 *
 *   python3 -m http.server 8000 --bind 127.0.0.1 &
 *   build/lstar run --net 'connect 127.0.0.1:8000' -- build/examples/fetch 127.0.0.1 8000 /
 *   build/lstar run -- build/examples/fetch 127.0.0.1 8000 /   # no net rule: refused
 *
 * It resolves HOST (a name needs `net dns`), connects to PORT, asks for
 * PATH with HTTP/1.0 and copies the answer to standard output.  Every
 * failure says which step failed and why.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int err = getaddrinfo(host, port, &hints, &res), fd = -1;

	if (err) {
		fprintf(stderr, "fetch: %s: %s\n", host, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0) {
			fprintf(stderr, "fetch: socket: %s\n", strerror(errno));
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		fprintf(stderr, "fetch: connect to %s port %s: %s\n", host, port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int main(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int fd, len;

	if (argc != 4) {
		fprintf(stderr, "usage: fetch HOST PORT PATH\n");
		return 2;
	}
	if ((fd = connect_to(argv[1], argv[2])) < 0)
		return 1;
	len = snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[3], argv[1]);
	if (len < 0 || len >= (int)sizeof(buf) || write(fd, buf, (size_t)len) != len) {
		fprintf(stderr, "fetch: sending the request failed\n");
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return 1;
	if (n < 0) {
		fprintf(stderr, "fetch: read: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
