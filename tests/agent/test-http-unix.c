/* test-http-unix.c - one call over a Unix socket (agent/http-unix.c).
 *
 * A Cloud Hypervisor answer carries no time of its own, so the agent stamps
 * it with HttpReply.sent_us. That must be the moment the request went out,
 * not the moment the agent's busy loop got round to the answer: a stamp
 * taken then put points a second late in CI (tests/agent/agent.sh, "store
 * chv"). The peer here is a thread that notes when it answered: the stamp
 * must come before that, where one taken on handling the answer comes after.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "http-unix.h"

typedef struct {
    int listener;
    gint64 answered_us; /* written by the peer thread, read after its join */
} Peer;

typedef struct {
    GMainLoop *loop;
    guint status;
    char *body;
    gint64 sent_us, done_us;
} Result;

/* The VMM's side: one request read to its blank line, one answer. */
static gpointer
peer_answer(gpointer data)
{
    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"a\": 1}\n";
    Peer *p = data;
    char buf[1024];
    gsize have = 0;
    int fd = accept(p->listener, NULL, NULL);
    g_assert_cmpint(fd, >=, 0);
    while (g_strstr_len(buf, (gssize)have, "\r\n\r\n") == NULL) {
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        g_assert_cmpint(n, >, 0);
        have += (gsize)n;
    }
    p->answered_us = g_get_real_time();
    g_assert_cmpint(write(fd, answer, sizeof answer - 1), ==, (gssize)sizeof answer - 1);
    close(fd);
    return NULL;
}

static void
on_done(const HttpReply *reply, const GError *error, gpointer data)
{
    Result *r = data;
    g_assert_no_error(error);
    r->done_us = g_get_real_time();
    r->status = reply->status;
    r->body = g_strndup(reply->body, reply->body_len);
    r->sent_us = reply->sent_us;
    g_main_loop_quit(r->loop);
}

static void
test_sent_time(void)
{
    g_autofree char *dir = g_dir_make_tmp("rondo-http-unix-XXXXXX", NULL);
    g_assert_nonnull(dir);
    g_autofree char *path = g_build_filename(dir, "api.sock", NULL);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    g_assert_cmpuint(strlen(path), <, sizeof addr.sun_path);
    strcpy(addr.sun_path, path);
    Peer peer = {.listener = socket(AF_UNIX, SOCK_STREAM, 0)};
    g_assert_cmpint(peer.listener, >=, 0);
    g_assert_cmpint(bind(peer.listener, (struct sockaddr *)&addr, sizeof addr), ==, 0);
    g_assert_cmpint(listen(peer.listener, 1), ==, 0);
    GThread *thread = g_thread_new("peer", peer_answer, &peer);

    Result r = {.loop = g_main_loop_new(NULL, FALSE)};
    gint64 before_us = g_get_real_time();
    http_unix_call(path, "GET", "/api/v1/vm.counters", NULL, 5000, 1024, on_done, &r);
    g_main_loop_run(r.loop);
    g_thread_join(thread);

    g_assert_cmpuint(r.status, ==, 200);
    g_assert_cmpstr(r.body, ==, "{\"a\": 1}\n");
    /* the stamp is when the request went out: before the peer answered */
    g_assert_cmpint(r.sent_us, >=, before_us);
    g_assert_cmpint(r.sent_us, <=, peer.answered_us);
    g_assert_cmpint(r.done_us, >=, peer.answered_us);

    close(peer.listener);
    g_assert_cmpint(g_unlink(path), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
    g_main_loop_unref(r.loop);
    g_free(r.body);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/agent/http-unix/sent-time", test_sent_time);
    return g_test_run();
}
