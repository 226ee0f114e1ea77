/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine's --pnvme_* options, in fio's option table. */
#include <stddef.h>

#include "fio.h"
#include "optgroup.h"

#include "engine.h"
#include "engine_options.h"

#define PFIO_OPT(nm, ln, ty, field, hlp, dflt)                                       \
	{                                                                            \
		.name = (nm), .lname = (ln), .type = (ty),                           \
		.off1 = offsetof(struct pfio_options, field), .help = (hlp),         \
		.def = (dflt), .category = FIO_OPT_C_ENGINE,                         \
		.group = FIO_OPT_G_INVALID,                                          \
	}

struct fio_option pfio_fio_options[] = {
	PFIO_OPT("pnvme_qsize", "pnvme I/O queue entries", FIO_OPT_INT, qsize,
		 "I/O queue entries per thread (0: the driver's default, 256, capped by "
		 "CAP.MQES)", "0"),
	PFIO_OPT("pnvme_shadow_doorbells", "pnvme shadow doorbells", FIO_OPT_BOOL,
		 shadow_doorbells, "Use Doorbell Buffer Config when the controller offers it",
		 "0"),
	PFIO_OPT("pnvme_batch", "pnvme doorbell batching", FIO_OPT_BOOL, batch,
		 "Ring the SQ doorbell once per fio commit (0: once per I/O)", "1"),
	PFIO_OPT("pnvme_dptr", "pnvme data pointer", FIO_OPT_STR_STORE, dptr,
		 "Data pointers: auto, prp or sgl", "auto"),
	PFIO_OPT("pnvme_pract", "pnvme PRACT", FIO_OPT_BOOL, pract,
		 "Protection information: the controller inserts it on writes and strips it "
		 "on reads (PRACT)", "0"),
	PFIO_OPT("pnvme_prchk", "pnvme PRCHK", FIO_OPT_STR_STORE, prchk,
		 "Protection information fields the controller checks: guard,reftag,apptag",
		 ""),
	PFIO_OPT("pnvme_apptag", "pnvme application tag", FIO_OPT_INT, apptag,
		 "Application tag for protection information", "0"),
	PFIO_OPT("pnvme_apptag_mask", "pnvme application tag mask", FIO_OPT_INT, apptag_mask,
		 "Application tag mask for protection information", "0xffff"),
	PFIO_OPT("pnvme_io_timeout_ms", "pnvme I/O timeout", FIO_OPT_INT, io_timeout_ms,
		 "I/O command timeout in ms (0: the driver's default, 30000)", "0"),
	PFIO_OPT("pnvme_no_huge", "pnvme no hugepages", FIO_OPT_BOOL, no_huge,
		 "Never use hugepages (DPDK --no-huge); default: use them when reserved", "0"),
	PFIO_OPT("pnvme_mem_mb", "pnvme memory", FIO_OPT_INT, mem_mb,
		 "DMA memory in MiB without hugepages (0: 1024)", "0"),
	PFIO_OPT("pnvme_eal_args", "pnvme EAL arguments", FIO_OPT_STR_STORE, eal_args,
		 "Extra DPDK EAL arguments, space separated (--huge-dir=DIR ...)", ""),
	PFIO_OPT("pnvme_stats", "pnvme statistics", FIO_OPT_BOOL, stats,
		 "At the end, each thread's commands and SQ/CQ doorbell writes on stderr", "0"),
	{.name = NULL},
};
