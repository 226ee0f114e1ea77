/* SPDX-License-Identifier: BSD-3-Clause */
/* The library's version. PNVME_VERSION comes from the Makefile's VERSION_*
 * (the one place the version is written), for this file only. */
#include "pnvme/nvme.h"

#ifndef PNVME_VERSION
#error "PNVME_VERSION is defined by the Makefile (VERSION_MAJOR/MINOR/PATCH)"
#endif

const char *pnvme_version(void)
{
	return PNVME_VERSION;
}
