/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What pnvme asks of DPDK's EAL, in one place. lib/env/env_dpdk.c builds the
 * argument vector from these; users add their own through pnvme_env_opts.
 *
 * --no-pci         pnvme claims its controllers itself (vfio), DPDK's PCI bus
 *                  must not probe or lock anything.
 * --iova-mode=va   bus address = virtual address: vtophys is the identity, and
 *                  the software controller (lib/sim) can reach DMA memory.
 * --in-memory      nothing is left under /var/run (hugepage runs).
 * --no-huge -m N   used, with --no-shconf, when no hugepages are reserved and
 *                  mounted; said once on stderr.
 */
#ifndef PNVME_DPDK_EAL_ARGS_H
#define PNVME_DPDK_EAL_ARGS_H

#define PNVME_EAL_ARGS_ALWAYS "--no-pci", "--iova-mode=va", "--no-telemetry"
#define PNVME_EAL_ARGS_HUGE "--in-memory"
#define PNVME_EAL_ARGS_NO_HUGE "--no-huge", "--no-shconf"
#define PNVME_EAL_LOG_QUIET "--log-level=lib.eal:error"
#define PNVME_EAL_LOG_DEBUG "--log-level=lib.eal:info"
#define PNVME_EAL_DEFAULT_MEM_MB 1024u

#endif /* PNVME_DPDK_EAL_ARGS_H */
