/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registered memory (pnvme_mem_register) as the rest of lib/env and the driver
 * see it: the in-flight check the driver offers, the vfio container's mapping.
 */
#ifndef PNVME_ENV_MEM_H
#define PNVME_ENV_MEM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * 1 if a request whose data or metadata overlaps [start, start+len) has not
 * completed, 0 if none, or a negative errno (the question cannot be answered
 * from here). The driver (lib/nvme/mem_check.c) sets it when it attaches its
 * first controller; without one no I/O can be outstanding.
 */
typedef int (*env_mem_busy_fn)(uintptr_t start, uint64_t len);
void env_mem_set_busy_check(env_mem_busy_fn fn);

/*
 * A vfio device joined DPDK's container (after rte_vfio_setup_device): with
 * the first one, every registered region is mapped for DMA. 0 or a negative
 * errno (the device must then be released).
 */
int env_mem_vfio_attach(void);
/* A vfio device leaves (before rte_vfio_release_device): with the last, unmap them. */
void env_mem_vfio_detach(void);

/* Forget every region (pnvme_env_fini). */
void env_mem_fini(void);

#endif /* PNVME_ENV_MEM_H */
