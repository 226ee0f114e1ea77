/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal logging shorthands: one component prefix per file. */
#ifndef PNVME_ENV_LOG_H
#define PNVME_ENV_LOG_H

#include "pnvme/env.h"

#define PNVME_ERRLOG(comp, ...) pnvme_log(PNVME_LOG_ERROR, comp, __VA_ARGS__)
#define PNVME_WARNLOG(comp, ...) pnvme_log(PNVME_LOG_WARN, comp, __VA_ARGS__)
#define PNVME_NOTICELOG(comp, ...) pnvme_log(PNVME_LOG_NOTICE, comp, __VA_ARGS__)
#define PNVME_INFOLOG(comp, ...) pnvme_log(PNVME_LOG_INFO, comp, __VA_ARGS__)
#define PNVME_DEBUGLOG(comp, ...)                                             \
	do {                                                                  \
		if (pnvme_log_get_level() >= PNVME_LOG_DEBUG)                 \
			pnvme_log(PNVME_LOG_DEBUG, comp, __VA_ARGS__);        \
	} while (0)

/* One formatted line (no newline) to the callback or stderr, if level is on. */
void env_log_emit(enum pnvme_log_level level, const char *component, const char *msg);
/* log.c tells the EAL side when the level changes (eal_log.c). */
void env_log_level_changed(enum pnvme_log_level level);

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif /* PNVME_ENV_LOG_H */
