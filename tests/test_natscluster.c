/* natscluster against the real nats-server: a 3-node cluster (with
 * JetStream) comes up fully meshed, one node killed is seen as dead, and
 * natscluster_stop leaves no node running. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "natscluster.h"
#include "natsd.h"

int main(void) {
    char dir[] = "/tmp/test_natscluster.XXXXXX";
    error err;
    error_clear(&err);
    CHECK(mkdtemp(dir) != NULL);
    natscluster *c = NULL;
    int rc = natscluster_start(&c, NATS_SERVER_EXE, dir, 3, 1, &err);
    CHECK_MSG(rc == 0, "%s", err.text);
    if (c != NULL) {
        pid_t pids[3];
        CHECK_EQ_INT(natscluster_size(c), 3);
        for (int i = 0; i < 3; i++) {
            pids[i] = natscluster_pid(c, i);
            CHECK(natscluster_alive(c, i));
            CHECK(strncmp(natscluster_url(c, i), "nats://127.0.0.1:", 17) == 0);
            CHECK_MSG(natsd_probe(natscluster_url(c, i), 1000, &err) == 0, "%s",
                      err.text);
        }
        CHECK(strstr(natscluster_urls(c), natscluster_url(c, 2)) != NULL);
        kill(pids[1], SIGKILL);
        usleep(200000);
        CHECK(!natscluster_alive(c, 1));
        CHECK(natscluster_alive(c, 0));
        natscluster_stop(c);
        for (int i = 0; i < 3; i++)
            CHECK_MSG(kill(pids[i], 0) != 0, "node %d (pid %d) still running", i,
                      (int)pids[i]);
    }
    /* A bad size is refused before anything starts. */
    CHECK(natscluster_start(&c, NATS_SERVER_EXE, dir, 0, 0, &err) == -1 && c == NULL);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_status();
}
