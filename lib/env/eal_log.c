/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's log, when pnvme starts the EAL: a stream of our own
 * (rte_openlog_stream over fopencookie) turns each message into pnvme log
 * lines at the matching level, and DPDK's global level follows pnvme's. Left
 * alone when the program started the EAL: its log is the program's.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_log.h>

#include "eal_log.h"
#include "log.h"

static FILE *g_stream;
static bool g_routed;

/* DPDK's levels: 1 emergency .. 4 error, 5 warning, 6 notice, 7 info, 8 debug. */
enum pnvme_log_level env_eal_level_to_pnvme(int rte_level)
{
	if (rte_level <= (int)RTE_LOG_ERR)
		return PNVME_LOG_ERROR;
	if (rte_level == (int)RTE_LOG_WARNING)
		return PNVME_LOG_WARN;
	if (rte_level == (int)RTE_LOG_NOTICE)
		return PNVME_LOG_NOTICE;
	if (rte_level == (int)RTE_LOG_INFO)
		return PNVME_LOG_INFO;
	return PNVME_LOG_DEBUG;
}

/* The other way; the EAL's debug output (memory maps, every option) stops at info. */
unsigned env_eal_level_from_pnvme(enum pnvme_log_level level)
{
	switch (level) {
	case PNVME_LOG_ERROR:
		return RTE_LOG_ERR;
	case PNVME_LOG_WARN:
		return RTE_LOG_WARNING;
	case PNVME_LOG_NOTICE:
		return RTE_LOG_NOTICE;
	default:
		return RTE_LOG_INFO;
	}
}

/* "EAL: text" -> component "eal", message "text"; no prefix: component "dpdk". */
static void emit_line(enum pnvme_log_level level, const char *line, size_t len)
{
	char component[16] = "dpdk";
	char msg[1024];
	size_t i = 0;

	while (i < len && i < sizeof(component) - 1 &&
	       (isupper((unsigned char)line[i]) || isdigit((unsigned char)line[i]) || line[i] == '_'))
		i++;
	if (i > 0 && i + 1 < len && line[i] == ':' && line[i + 1] == ' ') {
		for (size_t k = 0; k < i; k++)
			component[k] = (char)tolower((unsigned char)line[k]);
		component[i] = '\0';
		line += i + 2;
		len -= i + 2;
	}
	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	memcpy(msg, line, len);
	msg[len] = '\0';
	env_log_emit(level, component, msg);
}

/* One message per write: rte_vlog() flushes after each (the FILE lock serialises them). */
static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
	enum pnvme_log_level level = env_eal_level_to_pnvme(rte_log_cur_msg_loglevel());
	size_t start = 0;

	(void)cookie;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || buf[i] == '\n') {
			if (i > start)
				emit_line(level, buf + start, i - start);
			start = i + 1;
		}
	}
	return (ssize_t)size;
}

static const cookie_io_functions_t stream_funcs = {.write = stream_write};

int env_eal_log_route(void)
{
	if (g_stream == NULL) {
		g_stream = fopencookie(NULL, "w", stream_funcs);
		if (g_stream == NULL)
			return -1;
		/* Whole messages: rte_vlog() flushes at the end of each. */
		setvbuf(g_stream, NULL, _IOFBF, 4096);
	}
	rte_log_set_global_level(env_eal_level_from_pnvme(pnvme_log_get_level()));
	rte_openlog_stream(g_stream);
	g_routed = true;
	return 0;
}

void env_log_level_changed(enum pnvme_log_level level)
{
	if (g_routed)
		rte_log_set_global_level(env_eal_level_from_pnvme(level));
}
