/* SPDX-License-Identifier: BSD-3-Clause */
/* Levelled logging to stderr, quiet by default; PNVME_LOG raises the level. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pnvme/env.h"

static int g_level = -1; /* -1: not read from the environment yet */

static const char *const level_names[] = {"error", "warn", "notice", "info", "debug"};

static int level_from_env(void)
{
	const char *s = getenv("PNVME_LOG");

	if (s == NULL)
		return PNVME_LOG_ERROR;
	for (int i = 0; i <= PNVME_LOG_DEBUG; i++) {
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	}
	if (strcasecmp(s, "warning") == 0)
		return PNVME_LOG_WARN;
	return PNVME_LOG_ERROR;
}

void pnvme_log_set_level(enum pnvme_log_level level)
{
	g_level = (int)level;
}

enum pnvme_log_level pnvme_log_get_level(void)
{
	if (g_level < 0)
		g_level = level_from_env();
	return (enum pnvme_log_level)g_level;
}

void pnvme_log(enum pnvme_log_level level, const char *component, const char *fmt, ...)
{
	va_list ap;

	if (level > pnvme_log_get_level())
		return;
	fprintf(stderr, "pnvme %s: %s: ", level_names[level], component);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (fmt[0] != '\0' && fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}
