/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controllers of one fio process: each attached once, whatever the number
 * of files, jobs and threads that name it, and detached when the last lets go.
 * Setup and clean-up only: the lock is never taken on the I/O path.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pnvme_fio.h"

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pfio_ctrlr *g_ctrlrs;

int pfio_ctrlr_get(const struct pfio_target *t, const struct pnvme_ctrlr_opts *opts,
		   struct pfio_ctrlr **out, char *err, size_t errlen)
{
	struct pfio_ctrlr *c;
	int rc = 0;

	pthread_mutex_lock(&g_lock);
	for (c = g_ctrlrs; c != NULL; c = c->next) {
		if (strcmp(c->key, t->key) == 0)
			break;
	}
	if (c != NULL) {
		/* A sim named without parameters takes the one attached as it is. */
		if (t->params[0] != '\0' && strcmp(c->params, t->params) != 0) {
			snprintf(err, errlen, "%s is attached already with parameters '%s', "
					      "not '%s': give every filename of it the same ones",
				 c->key, c->params, t->params);
			rc = -EEXIST;
		} else {
			c->refs++;
		}
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	rc = pnvme_connect(t->trid, opts, &c->ctrlr);
	if (rc != 0) {
		snprintf(err, errlen, "cannot attach '%s': %s", t->trid, strerror(-rc));
		free(c);
		c = NULL;
		goto out;
	}
	strcpy(c->key, t->key);
	strcpy(c->params, t->params);
	c->refs = 1;
	c->next = g_ctrlrs;
	g_ctrlrs = c;
out:
	pthread_mutex_unlock(&g_lock);
	*out = rc == 0 ? c : NULL;
	return rc;
}

void pfio_ctrlr_put(struct pfio_ctrlr *c)
{
	struct pfio_ctrlr **p;

	if (c == NULL)
		return;
	pthread_mutex_lock(&g_lock);
	if (--c->refs == 0) {
		for (p = &g_ctrlrs; *p != NULL; p = &(*p)->next) {
			if (*p == c) {
				*p = c->next;
				break;
			}
		}
		pnvme_detach(c->ctrlr);
		free(c);
	}
	pthread_mutex_unlock(&g_lock);
}

unsigned pfio_ctrlr_count(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&g_lock);
	for (struct pfio_ctrlr *c = g_ctrlrs; c != NULL; c = c->next)
		n++;
	pthread_mutex_unlock(&g_lock);
	return n;
}

struct pnvme_ns *pfio_ns_get(struct pfio_ctrlr *c, uint32_t nsid, char *err, size_t errlen)
{
	uint32_t nn = pnvme_ctrlr_get_num_ns(c->ctrlr);
	struct pnvme_ns *ns = pnvme_ctrlr_get_ns(c->ctrlr, nsid);
	uint32_t ss;

	if (ns == NULL || !pnvme_ns_is_active(ns)) {
		snprintf(err, errlen, "%s has no active namespace %u (NN %u%s)", c->key, nsid, nn,
			 strncmp(c->key, "trtype:sim", 10) == 0 ?
				 "; a sim controller gets more with nn=" : "");
		return NULL;
	}
	ss = pnvme_ns_get_sector_size(ns);
	if (ss == 0 || (ss & (ss - 1)) != 0) {
		snprintf(err, errlen, "%s namespace %u: sector size %u is not a power of two",
			 c->key, nsid, ss);
		return NULL;
	}
	return ns;
}
