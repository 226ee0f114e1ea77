/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What pnvme asks of DPDK's EAL, in one place. lib/env/env_dpdk.c builds the
 * argument vector from these when pnvme starts the EAL itself; users add their
 * own through pnvme_env_opts. A program that starts the EAL itself gives it
 * what docs/api.md ("Embedding pnvme") lists instead.
 *
 * --no-pci               pnvme claims its controllers itself (vfio), DPDK's PCI
 *                        bus must not probe or lock anything.
 * --iova-mode=va         bus address = virtual address: vtophys is the identity,
 *                        and the software controller (lib/sim) can reach DMA memory.
 * --no-telemetry         no telemetry thread and socket.
 * --in-memory            nothing is left under /var/run (hugepage runs); no
 *                        multi-process thread.
 * --single-file-segments one file (memfd) per memory list rather than one per
 *                        hugepage, so the open-file limit DPDK raises can go back.
 * --no-huge -m N         used, with --no-shconf, when no hugepages are reserved
 *                        and mounted; said once at notice level.
 * --log-level=N          DPDK's global level follows pnvme's: error 4, warn 5,
 *                        notice 6, info and debug 7 (the EAL's debug output is
 *                        its memory map, not pnvme's business).
 */
#ifndef PNVME_DPDK_EAL_ARGS_H
#define PNVME_DPDK_EAL_ARGS_H

#define PNVME_EAL_ARGS_ALWAYS "--no-pci", "--iova-mode=va", "--no-telemetry"
#define PNVME_EAL_ARGS_HUGE "--in-memory", "--single-file-segments"
#define PNVME_EAL_ARGS_NO_HUGE "--no-huge", "--no-shconf"
#define PNVME_EAL_DEFAULT_MEM_MB 1024u

#endif /* PNVME_DPDK_EAL_ARGS_H */
