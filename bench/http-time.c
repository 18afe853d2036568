/* http-time.c - the time of one HTTP request, connection to last byte, for
 * bench/promql-speed.py.
 *
 *   http-time HOST PORT
 *
 * Reads request paths from standard input, one a line; for each, opens a
 * new TCP connection, sends "GET PATH" with "Connection: close" (and the
 * bearer token of $HTTP_TIME_TOKEN, if set), reads the answer to the end
 * and prints "SECONDS STATUS BYTES" (BYTES: the whole answer, headers too).
 *
 * Why a C client: timed through Python's http.client, a request carries
 * the client's own work (objects, parsing, buffering: a bare Python server
 * answers that client in 0.18 ms on the reference machine), the same on
 * both servers, so every ratio is pulled towards 1 by what neither server
 * does. Here the clock covers socket(), connect(), one write() and the
 * read()s until the server closes: what the kernel and the server do, and
 * little else. The driver stays in Python and talks to this program over
 * a pipe, outside the clock.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PATH_MAX_LEN 16384
#define READ_CHUNK   (256 * 1024)

static double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One request to @addr; the whole answer's length into @ret_bytes and its
 * status into @ret_status (0 if the first line is not HTTP's). Returns the
 * seconds it took, or a negative value if the connection failed. */
static double
http_time_one(const struct sockaddr_in *addr, const char *request, size_t len, char *buf,
              int *ret_status, size_t *ret_bytes)
{
    *ret_status = 0;
    *ret_bytes = 0;
    errno = 0; /* a failure's reason, or none: the server closed without a byte */
    double t0 = now_s();
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) != 0) {
        close(fd);
        return -1;
    }
    for (size_t sent = 0; sent < len;) {
        ssize_t n = write(fd, request + sent, len - sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        sent += (size_t)n;
    }
    size_t total = 0, head = 0;
    for (;;) {
        ssize_t n = read(fd, buf + head, READ_CHUNK - head);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        total += (size_t)n;
        /* keep the first chunk's start (the status line); overwrite the rest */
        if (head == 0)
            head = (size_t)n < 64 ? (size_t)n : 64;
    }
    double t = now_s() - t0;
    close(fd);
    buf[head] = '\0';
    if (strncmp(buf, "HTTP/1.", 7) == 0 && head >= 12)
        *ret_status = atoi(buf + 9);
    *ret_bytes = total;
    return total > 0 ? t : -1;
}

int
main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: http-time HOST PORT  (request paths on standard input)\n");
        return 2;
    }
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
    int err = getaddrinfo(argv[1], argv[2], &hints, &ai);
    if (err != 0) {
        fprintf(stderr, "http-time: %s:%s: %s\n", argv[1], argv[2], gai_strerror(err));
        return 2;
    }
    struct sockaddr_in addr;
    memcpy(&addr, ai->ai_addr, sizeof addr);
    freeaddrinfo(ai);

    const char *token = getenv("HTTP_TIME_TOKEN");
    char *buf = malloc(READ_CHUNK + 1);
    char *path = malloc(PATH_MAX_LEN);
    size_t room = PATH_MAX_LEN + 512 + (token ? strlen(token) : 0);
    char *request = malloc(room);
    if (!buf || !path || !request)
        return 1;
    while (fgets(path, PATH_MAX_LEN, stdin)) {
        size_t end = strcspn(path, "\r\n");
        if (path[end] == '\0' && !feof(stdin)) {
            fprintf(stderr, "http-time: a path of %d bytes or more: not sent\n", PATH_MAX_LEN - 1);
            return 2;
        }
        path[end] = '\0';
        int len = snprintf(request, room,
                           "GET %s HTTP/1.1\r\nHost: %s:%s\r\n%s%s%sConnection: close\r\n\r\n",
                           path, argv[1], argv[2], token ? "Authorization: Bearer " : "",
                           token ? token : "", token ? "\r\n" : "");
        int status;
        size_t bytes;
        double t = http_time_one(&addr, request, (size_t)len, buf, &status, &bytes);
        if (t < 0)
            fprintf(stderr, "http-time: %s:%s%s: %s\n", argv[1], argv[2], path,
                    errno ? strerror(errno) : "no answer");
        printf("%.9f %d %zu\n", t, status, bytes);
        fflush(stdout);
    }
    free(request);
    free(path);
    free(buf);
    return 0;
}
