/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * embedded_eal: pnvme inside a program that runs DPDK itself. The program
 * starts the EAL with its own arguments, maps a buffer of its own (not DPDK
 * memory), registers it with pnvme, and does I/O straight from it: 16 blocks
 * written through a vector of four pieces, read back, compared.
 *
 *   embedded_eal [TRID [--overwrite]]     (default trtype:sim)
 *
 * pnvme uses an EAL that is already up (its memory, IOVA mode, vfio
 * container) and leaves it running at pnvme_env_fini(). What it needs of the
 * EAL's arguments: a primary process, --iova-mode=va for registered memory
 * and the software controller, vfio-pci loaded for trtype:pcie (docs/api.md,
 * "Embedding pnvme"). Build it against an installed pnvme with
 *   cc embedded_eal.c -o embedded_eal $(pkg-config --cflags --libs pnvme libdpdk)
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>

#include <pnvme/nvme.h>

#define BLOCKS 16

struct io_wait {
	int done, failed;
};

static void io_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct io_wait *w = arg;

	w->done = 1;
	w->failed = pnvme_cpl_is_error(cpl);
	if (w->failed)
		fprintf(stderr, "embedded_eal: I/O failed: %s\n", pnvme_cpl_status_str(cpl));
}

/* Four pieces of the program's own buffer, one request, polled to its end. */
static int vec_io(int write, struct pnvme_ns *ns, struct pnvme_qpair *qp, uint8_t *buf,
		  uint32_t bs)
{
	struct iovec iov[4];
	struct io_wait w = {0, 0};
	int rc;

	for (int i = 0; i < 4; i++) {
		iov[i].iov_base = buf + (size_t)i * 4 * bs;
		iov[i].iov_len = 4 * (size_t)bs;
	}
	rc = write ? pnvme_ns_cmd_writev(ns, qp, iov, 4, 0, BLOCKS, io_done, &w, 0)
		   : pnvme_ns_cmd_readv(ns, qp, iov, 4, 0, BLOCKS, io_done, &w, 0);
	if (rc != 0) {
		fprintf(stderr, "embedded_eal: %s: %s\n", write ? "writev" : "readv", strerror(-rc));
		return -1;
	}
	while (!w.done)
		if (pnvme_qpair_process_completions(qp, 0) < 0)
			return -1;
	return w.failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	/* The program's own EAL: no hugepages needed here, IOVA as VA for its own memory. */
	char *eal[] = {"embedded_eal", "--no-huge", "-m", "256", "--no-shconf", "--no-pci",
		       "--iova-mode=va", "--no-telemetry", "--log-level=error", NULL};
	const char *trid = argc > 1 ? argv[1] : "trtype:sim";
	struct pnvme_trid parsed;
	struct pnvme_ctrlr *ctrlr = NULL;
	struct pnvme_qpair *qp = NULL;
	struct pnvme_ns *ns = NULL;
	uint8_t *mine = MAP_FAILED, *back = MAP_FAILED;
	size_t len = 0;
	uint32_t bs = 0;
	int rc, ret = 1;

	if (argc > 3 || pnvme_trid_parse(&parsed, trid) != 0 ||
	    (strcmp(parsed.trtype, "sim") != 0 && (argc < 3 || strcmp(argv[2], "--overwrite") != 0))) {
		fprintf(stderr, "usage: embedded_eal [TRID [--overwrite]] (blocks 0-15 are "
				"overwritten: other than trtype:sim needs --overwrite)\n");
		return 2;
	}
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "embedded_eal: rte_eal_init failed\n");
		return 1;
	}
	rc = pnvme_connect(trid, NULL, &ctrlr); /* uses the EAL above */
	if (rc != 0) {
		fprintf(stderr, "embedded_eal: cannot attach '%s': %s\n", trid, strerror(-rc));
		goto out;
	}
	ns = pnvme_ctrlr_get_ns(ctrlr, pnvme_ctrlr_get_first_active_ns(ctrlr));
	if (ns == NULL || pnvme_ns_get_md_size(ns) != 0 ||
	    (rc = pnvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qp)) != 0) {
		fprintf(stderr, "embedded_eal: no plain namespace or no qpair\n");
		goto out;
	}
	bs = pnvme_ns_get_sector_size(ns);
	len = (size_t)BLOCKS * bs;
	/* The program's own memory, page aligned: pnvme makes it DMA-able. */
	mine = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	back = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mine == MAP_FAILED || back == MAP_FAILED ||
	    (rc = pnvme_mem_register(mine, len)) != 0 ||
	    (rc = pnvme_mem_register(back, len)) != 0) {
		fprintf(stderr, "embedded_eal: cannot register the buffers: %s\n", strerror(-rc));
		goto out;
	}
	for (size_t i = 0; i < len; i++)
		mine[i] = (uint8_t)(i * 13 + 5);
	if (vec_io(1, ns, qp, mine, bs) == 0 && vec_io(0, ns, qp, back, bs) == 0) {
		if (memcmp(mine, back, len) == 0) {
			printf("embedded_eal: %zu bytes from the program's own memory written, read back "
			       "and compared (%s, its own EAL)\n", len, trid);
			ret = 0;
		} else {
			fprintf(stderr, "embedded_eal: the data read back differs\n");
		}
	}
out:
	/* Detach first: nothing is in flight on the buffers then, and they can go. */
	if (ctrlr != NULL && pnvme_detach(ctrlr) != 0)
		ret = 1;
	if (mine != MAP_FAILED) {
		pnvme_mem_unregister(mine, len);
		munmap(mine, len);
	}
	if (back != MAP_FAILED) {
		pnvme_mem_unregister(back, len);
		munmap(back, len);
	}
	pnvme_env_fini(); /* leaves the program's EAL alone */
	rte_eal_cleanup();
	return ret;
}
