/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme environment: DMA-able memory, time and logging, on top of DPDK's EAL.
 * Users need this header to allocate I/O buffers the controller can reach.
 */
#ifndef PNVME_ENV_H
#define PNVME_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by pnvme_vtophys() for memory the controller cannot reach. */
#define PNVME_VTOPHYS_ERROR UINT64_MAX

struct pnvme_env_opts {
	size_t opts_size;      /* sizeof(struct pnvme_env_opts) of the caller */
	const char *name;      /* EAL program name (syslog ident); default "pnvme" */
	const char *lcores;    /* EAL -l argument; default: the first CPU the caller may use */
	unsigned mem_mb;       /* memory without hugepages (--no-huge -m); default 1024 */
	int no_huge;           /* 1: never use hugepages, 0: auto (use them when reserved) */
	const char **eal_args; /* extra EAL arguments, passed through as given */
	int eal_argc;
	/*
	 * DPDK raises the soft open-file limit (RLIMIT_NOFILE) to the hard limit
	 * while it starts. 0 (default): pnvme puts the soft limit back afterwards
	 * (with hugepages it asks DPDK for one file per memory list, so the limit
	 * need not be high). 1: leave it raised.
	 */
	int raise_fd_limit;
};

/* Fill opts with the defaults; opts_size must be set by the caller first. */
void pnvme_env_opts_init(struct pnvme_env_opts *opts, size_t opts_size);

/*
 * Start the environment. If the program has started DPDK's EAL itself
 * (rte_eal_init() returned), pnvme uses that EAL - its memory, IOVA mode and
 * vfio container - and ignores the EAL fields of opts; otherwise pnvme starts
 * the EAL with the arguments in dpdk-config/eal_args.h plus opts->eal_args.
 * docs/api.md, "Embedding pnvme", says what an EAL must offer.
 *
 * A second call while the environment is up returns 0. opts may be NULL for
 * defaults. Returns 0 or a negative errno:
 *   -ENOTSUP    the program's EAL is a secondary process;
 *   -ESHUTDOWN  pnvme started the EAL and pnvme_env_fini() shut it down: DPDK
 *               cannot start an EAL twice in one process (an EAL the program
 *               started is used again after fini: no error);
 *   others      from rte_eal_init().
 * pnvme_connect(), pnvme_probe(), pnvme_dma_zmalloc() and pnvme_mem_register()
 * call it with opts NULL when the environment is not up.
 */
int pnvme_env_init(const struct pnvme_env_opts *opts);
/*
 * Undo pnvme_env_init(): forget registered memory (pnvme_mem_unregister() of
 * every region) and, only if pnvme started the EAL, shut it down
 * (rte_eal_cleanup()). An EAL the program started is left running. Detach
 * every controller and free every pnvme_dma_zmalloc() buffer first: with a
 * controller attached, fini logs an error and does nothing.
 */
void pnvme_env_fini(void);
bool pnvme_env_is_initialized(void);
/* True when hugepages back DMA memory (false under --no-huge). */
bool pnvme_env_uses_hugepages(void);

/*
 * DMA memory: zeroed, aligned to align (a power of two, 0 for the default of 64),
 * physically/IOVA contiguous. *iova (if not NULL) gets the bus address.
 * Returns NULL with errno set on failure (EINVAL for bad arguments).
 */
void *pnvme_dma_zmalloc(size_t size, size_t align, uint64_t *iova);
void pnvme_dma_free(void *buf);

/*
 * Make the caller's own memory DMA-able: [vaddr, vaddr+len) page aligned
 * (the system page size), pinned for as long as it is registered (hugepages,
 * or memory the program keeps mapped and does not hand to fork()/madvise()),
 * and IOVA as VA (the bus address of each byte is its virtual address). It is
 * registered with DPDK (rte_extmem_register) and, while a pcie controller is
 * attached, mapped in DPDK's vfio container. I/O buffers may then lie in it.
 *
 * Returns 0, or -EINVAL (NULL, zero, unaligned, overlapping a registered
 * region or DPDK's own memory, or beyond the 48-bit address space), -ENOTSUP
 * (the EAL runs IOVA as PA), -ENOSPC (64 regions registered already), or an
 * error from DPDK or the IOMMU.
 */
int pnvme_mem_register(void *vaddr, size_t len);
/*
 * Take a region back: exactly what pnvme_mem_register() was given. Returns 0,
 * -ENOENT (no region starts at vaddr), -EINVAL (len differs), or -EBUSY: a
 * request whose data or metadata lies in the region has not completed (its
 * callback has not run) on some queue pair of some controller. After 0, I/O
 * calls on that memory return -EINVAL as for any memory that is not DMA-able.
 *
 * The check takes no lock the I/O path takes and stops no I/O thread. It
 * relies on one rule: no thread submits I/O on the region while this runs
 * (stop handing its buffers out first; what was submitted before, from any
 * thread, is what the check finds). A submission racing the call is not seen:
 * that is the caller's bug, as freeing a buffer under I/O would be.
 * From an admin or AER callback: -EDEADLK.
 */
int pnvme_mem_unregister(void *vaddr, size_t len);

/*
 * Bus address of vaddr, by table look-up (no system call). *len, if not NULL,
 * holds the length wanted on entry and the length that is IOVA-contiguous from
 * vaddr on return (never more than asked). PNVME_VTOPHYS_ERROR if vaddr is not
 * DMA-able memory.
 */
uint64_t pnvme_vtophys(const void *vaddr, uint64_t *len);

/* Time: a monotonic tick counter and its frequency. */
uint64_t pnvme_ticks(void);
uint64_t pnvme_ticks_hz(void);

/*
 * Logging. Quiet (errors only) by default; PNVME_LOG=debug|info|notice|warn|error
 * or pnvme_log_set_level() raise it. Messages go to stderr, or to the callback
 * when one is set. When pnvme starts the EAL, DPDK's own messages take the
 * same way at the same level (component "eal"); an EAL the program started
 * keeps its own log stream.
 */
enum pnvme_log_level {
	PNVME_LOG_ERROR = 0,
	PNVME_LOG_WARN,
	PNVME_LOG_NOTICE,
	PNVME_LOG_INFO,
	PNVME_LOG_DEBUG,
};
void pnvme_log_set_level(enum pnvme_log_level level);
enum pnvme_log_level pnvme_log_get_level(void);
void pnvme_log(enum pnvme_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Receives every message at or below the level: component names the part of
 * pnvme ("ctrlr", "qpair", "env", ...) or of DPDK ("eal"); msg is one line
 * without its newline. It may run in any thread that logs, several at once,
 * and may call pnvme (not pnvme_log_set_callback()).
 */
typedef void (*pnvme_log_cb)(void *arg, enum pnvme_log_level level, const char *component,
			     const char *msg);
/*
 * Send messages to cb (NULL: back to stderr). Once it returns, no message goes
 * to the previous callback any more.
 */
void pnvme_log_set_callback(pnvme_log_cb cb, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* PNVME_ENV_H */
