/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Levelled logging, quiet by default; PNVME_LOG raises the level. Lines go to
 * the embedder's callback when one is set, else to stderr.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static _Atomic int g_level = -1; /* -1: not read from the environment yet */

/*
 * Loggers hold it for reading while they deliver a line, so that once
 * pnvme_log_set_callback() has it for writing, the old callback is done.
 * Reader-preferring (glibc's default): a callback may log again.
 */
static pthread_rwlock_t g_cb_lock = PTHREAD_RWLOCK_INITIALIZER;
static pnvme_log_cb g_cb;
static void *g_cb_arg;

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

static enum pnvme_log_level clamp(int level)
{
	if (level < PNVME_LOG_ERROR)
		return PNVME_LOG_ERROR;
	if (level > PNVME_LOG_DEBUG)
		return PNVME_LOG_DEBUG;
	return (enum pnvme_log_level)level;
}

void pnvme_log_set_level(enum pnvme_log_level level)
{
	level = clamp((int)level);
	atomic_store_explicit(&g_level, (int)level, memory_order_relaxed);
	env_log_level_changed(level);
}

enum pnvme_log_level pnvme_log_get_level(void)
{
	int level = atomic_load_explicit(&g_level, memory_order_relaxed);

	if (level < 0) {
		level = level_from_env();
		atomic_store_explicit(&g_level, level, memory_order_relaxed);
	}
	return (enum pnvme_log_level)level;
}

void pnvme_log_set_callback(pnvme_log_cb cb, void *arg)
{
	pthread_rwlock_wrlock(&g_cb_lock);
	g_cb = cb;
	g_cb_arg = arg;
	pthread_rwlock_unlock(&g_cb_lock);
}

void env_log_emit(enum pnvme_log_level level, const char *component, const char *msg)
{
	level = clamp((int)level);
	if (level > pnvme_log_get_level())
		return;
	pthread_rwlock_rdlock(&g_cb_lock);
	if (g_cb != NULL)
		g_cb(g_cb_arg, level, component, msg);
	else
		fprintf(stderr, "pnvme %s: %s: %s\n", level_names[level], component, msg);
	pthread_rwlock_unlock(&g_cb_lock);
}

void pnvme_log(enum pnvme_log_level level, const char *component, const char *fmt, ...)
{
	char small[256], *msg = small;
	va_list ap;
	int n;

	if (clamp((int)level) > pnvme_log_get_level())
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small)) {
		msg = malloc((size_t)n + 1);
		if (msg == NULL) {
			msg = small; /* truncated, better than nothing */
		} else {
			va_start(ap, fmt);
			vsnprintf(msg, (size_t)n + 1, fmt, ap);
			va_end(ap);
		}
	}
	/* One line each: a trailing newline is the caller's habit, not part of the text. */
	size_t len = strlen(msg);

	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	env_log_emit(level, component ? component : "pnvme", msg);
	if (msg != small)
		free(msg);
}
