/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK's log through pnvme's (eal_log.c), when pnvme starts the EAL. */
#ifndef PNVME_ENV_EAL_LOG_H
#define PNVME_ENV_EAL_LOG_H

#include "pnvme/env.h"

/* Point DPDK's log stream at pnvme's log, at pnvme's level; 0 or -1. */
int env_eal_log_route(void);
/* DPDK level (RTE_LOG_*) to pnvme level and back (capped at info). */
enum pnvme_log_level env_eal_level_to_pnvme(int rte_level);
unsigned env_eal_level_from_pnvme(enum pnvme_log_level level);

#endif /* PNVME_ENV_EAL_LOG_H */
