/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a process without root needs before it claims a function through vfio
 * (docs/setup.md): read/write on the group's node and on the container node,
 * and a memlock limit that covers the DMA memory, which vfio pins.
 */
#ifndef PNVME_ENV_VFIO_USER_H
#define PNVME_ENV_VFIO_USER_H

/* 0, or -EACCES after one line naming the node and the command that grants it. */
int env_vfio_access_check(const char *bdf);

/*
 * When the process may not lock memory without limit (no CAP_IPC_LOCK, a
 * finite RLIMIT_MEMLOCK): -ENOMEM after one line when the DMA memory it
 * already has exceeds the limit; else 0, and from then on DPDK refuses a
 * hugepage allocation that would cross it (vfio could not pin it, and a
 * device would fault on memory the IOMMU does not map).
 */
int env_memlock_guard(const char *bdf);

/* One line of advice after a failed vfio set-up, for a process without root. */
void env_vfio_user_hint(const char *bdf);

#endif /* PNVME_ENV_VFIO_USER_H */
