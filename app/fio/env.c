/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine's options turned into the driver's: environment, controller, I/O flags. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define PFIO_MAX_EAL_ARGS 32

static pthread_mutex_t g_env_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_env_rc = 1; /* 1: not started yet */
static char *g_eal_copy;
static const char *g_eal_argv[PFIO_MAX_EAL_ARGS];

int pfio_env_start(const struct pfio_options *o, char *err, size_t errlen)
{
	struct pnvme_env_opts opts;
	int argc = 0;

	pthread_mutex_lock(&g_env_lock);
	if (g_env_rc != 1)
		goto out;
	pnvme_env_opts_init(&opts, sizeof(opts));
	opts.name = "pnvme-fio";
	opts.no_huge = o->no_huge ? 1 : 0;
	if (o->mem_mb != 0)
		opts.mem_mb = o->mem_mb;
	if (o->eal_args != NULL && o->eal_args[0] != '\0') {
		char *save = NULL;

		g_eal_copy = strdup(o->eal_args);
		if (g_eal_copy == NULL) {
			g_env_rc = -ENOMEM;
			goto out;
		}
		for (char *w = strtok_r(g_eal_copy, " \t", &save); w != NULL;
		     w = strtok_r(NULL, " \t", &save)) {
			if (argc == PFIO_MAX_EAL_ARGS) {
				snprintf(err, errlen, "--pnvme_eal_args: more than %d words",
					 PFIO_MAX_EAL_ARGS);
				g_env_rc = -EINVAL;
				goto out;
			}
			g_eal_argv[argc++] = w;
		}
		opts.eal_args = g_eal_argv;
		opts.eal_argc = argc;
	}
	g_env_rc = pnvme_env_init(&opts);
out:
	if (g_env_rc < 0 && err[0] == '\0')
		snprintf(err, errlen, "cannot start the environment (DPDK EAL): %s",
			 strerror(-g_env_rc));
	pthread_mutex_unlock(&g_env_lock);
	return g_env_rc;
}

int pfio_options_ctrlr(const struct pfio_options *o, struct pnvme_ctrlr_opts *opts)
{
	pnvme_ctrlr_opts_init(opts, sizeof(*opts));
	opts->shadow_doorbells = o->shadow_doorbells != 0;
	if (o->io_timeout_ms != 0)
		opts->io_timeout_ms = o->io_timeout_ms;
	return 0;
}

int pfio_options_dptr(const struct pfio_options *o, enum pnvme_dptr_mode *mode, char *err,
		      size_t errlen)
{
	const char *d = o->dptr;

	if (d == NULL || d[0] == '\0' || strcmp(d, "auto") == 0)
		*mode = PNVME_DPTR_AUTO;
	else if (strcmp(d, "prp") == 0)
		*mode = PNVME_DPTR_PRP;
	else if (strcmp(d, "sgl") == 0)
		*mode = PNVME_DPTR_SGL;
	else {
		snprintf(err, errlen, "--pnvme_dptr=%s: auto, prp or sgl", d);
		return -EINVAL;
	}
	return 0;
}

int pfio_options_io_flags(const struct pfio_options *o, uint32_t *flags, char *err,
			  size_t errlen)
{
	char buf[64], *save = NULL;

	*flags = o->pract ? PNVME_IO_FLAGS_PRACT : 0;
	if (o->prchk == NULL || o->prchk[0] == '\0')
		return 0;
	if (strlen(o->prchk) >= sizeof(buf)) {
		snprintf(err, errlen, "--pnvme_prchk=%s: too long", o->prchk);
		return -EINVAL;
	}
	strcpy(buf, o->prchk);
	for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		if (strcmp(w, "guard") == 0)
			*flags |= PNVME_IO_FLAGS_PRCHK_GUARD;
		else if (strcmp(w, "reftag") == 0)
			*flags |= PNVME_IO_FLAGS_PRCHK_REFTAG;
		else if (strcmp(w, "apptag") == 0)
			*flags |= PNVME_IO_FLAGS_PRCHK_APPTAG;
		else {
			snprintf(err, errlen, "--pnvme_prchk: '%s' is not guard, reftag or apptag",
				 w);
			return -EINVAL;
		}
	}
	return 0;
}
