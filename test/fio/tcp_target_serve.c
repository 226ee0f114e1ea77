/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tests' fake NVMe/TCP controller (test/common/tcp_target.c) as a process,
 * for fio_test.sh: prints its port on 127.0.0.1, serves until SIGTERM or
 * SIGINT, then exits 1 if the target saw a protocol error (and says which).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "common/tcp_target.h"

int main(void)
{
	struct tt_target *t;
	sigset_t set;
	int sig, rc;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Before the target's threads start: they inherit the mask. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	t = tt_start();
	if (t == NULL) {
		fprintf(stderr, "tcp_target_serve: cannot start the target\n");
		return 2;
	}
	printf("%s\n", tt_port(t));
	fflush(stdout);
	sigwait(&set, &sig);
	rc = tt_error(t)[0] != '\0';
	if (rc)
		fprintf(stderr, "tcp_target_serve: protocol error: %s\n", tt_error(t));
	tt_stop(t);
	return rc;
}
