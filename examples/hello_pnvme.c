/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hello_pnvme: the smallest complete pnvme program. It attaches a controller,
 * writes block 0 of its first namespace, reads it back, compares, detaches.
 *
 *   hello_pnvme [TRID [--overwrite]]
 *
 * TRID defaults to "trtype:sim", the software controller. On a real controller
 * ("trtype:pcie traddr:0000:01:00.0", bound to vfio-pci) block 0 is destroyed,
 * so it runs only with --overwrite. Build it against an installed pnvme with
 *   cc hello_pnvme.c -o hello_pnvme $(pkg-config --cflags --libs pnvme)
 *
 * What a storage service does differently:
 *  - it starts the environment once, at start-up, with its own hugepages and
 *    cores (pnvme_env_init() and struct pnvme_env_opts);
 *  - each I/O thread owns a qpair and polls it from its event loop with many
 *    requests in flight, instead of waiting for each one as here;
 *  - buffers come from a pool made once, not an allocation per I/O;
 *  - -ENOMEM from a submission means "poll, then retry", not a failure;
 *  - one thread calls pnvme_ctrlr_process_admin_completions() every few ms
 *    (keep-alive, events, noticing a failed controller), and timeout and event
 *    callbacks are registered (pnvme_ctrlr_register_timeout/aer_callback).
 */
#include <stdio.h>
#include <string.h>

#include <pnvme/nvme.h>

struct io_wait {
	int done;   /* the callback ran */
	int failed; /* with an error status */
};

static void io_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct io_wait *w = arg;

	w->done = 1;
	if (pnvme_cpl_is_error(cpl)) {
		w->failed = 1;
		fprintf(stderr, "hello_pnvme: I/O failed: %s\n", pnvme_cpl_status_str(cpl));
	}
}

/* One block at LBA 0, submitted, then polled for until its callback has run. */
static int one_io(int write, struct pnvme_ns *ns, struct pnvme_qpair *qp, void *buf)
{
	struct io_wait w = {0, 0};
	int rc = write ? pnvme_ns_cmd_write(ns, qp, buf, 0, 1, io_done, &w, 0)
		       : pnvme_ns_cmd_read(ns, qp, buf, 0, 1, io_done, &w, 0);

	if (rc != 0) { /* refused: no callback will come */
		fprintf(stderr, "hello_pnvme: %s: %s\n", write ? "write" : "read", strerror(-rc));
		return -1;
	}
	while (!w.done) {
		int32_t n = pnvme_qpair_process_completions(qp, 0);

		if (n < 0) { /* the controller failed; its requests have completed */
			fprintf(stderr, "hello_pnvme: polling: %s\n", strerror((int)-n));
			return -1;
		}
	}
	return w.failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *trid = argc > 1 ? argv[1] : "trtype:sim";
	struct pnvme_trid parsed;
	struct pnvme_ctrlr *ctrlr;
	struct pnvme_ns *ns = NULL;
	struct pnvme_qpair *qp = NULL;
	unsigned char *wbuf = NULL, *rbuf = NULL;
	uint32_t nsid, bs = 0;
	int rc, ret = 1;

	if (argc > 3 || pnvme_trid_parse(&parsed, trid) != 0 ||
	    (strcmp(parsed.trtype, "sim") != 0 && (argc < 3 || strcmp(argv[2], "--overwrite") != 0))) {
		fprintf(stderr, "usage: hello_pnvme [TRID [--overwrite]] (block 0 is overwritten:\n"
				"       a controller other than trtype:sim needs --overwrite)\n");
		return 2;
	}
	rc = pnvme_connect(trid, NULL, &ctrlr); /* starts the environment too */
	if (rc != 0) {
		fprintf(stderr, "hello_pnvme: cannot attach '%s': %s\n", trid, strerror(-rc));
		return 1;
	}
	nsid = pnvme_ctrlr_get_first_active_ns(ctrlr);
	if (nsid != 0)
		ns = pnvme_ctrlr_get_ns(ctrlr, nsid);
	if (ns == NULL)
		fprintf(stderr, "hello_pnvme: the controller has no active namespace\n");
	else if (pnvme_ns_get_md_size(ns) != 0)
		fprintf(stderr, "hello_pnvme: namespace %u has metadata; this example has none\n", nsid);
	else if ((rc = pnvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qp)) != 0)
		fprintf(stderr, "hello_pnvme: no I/O qpair: %s\n", strerror(-rc));
	else {
		bs = pnvme_ns_get_sector_size(ns);
		wbuf = pnvme_dma_zmalloc(bs, 4096, NULL); /* DMA memory: the device reaches it */
		rbuf = pnvme_dma_zmalloc(bs, 4096, NULL);
		if (wbuf == NULL || rbuf == NULL)
			fprintf(stderr, "hello_pnvme: no DMA memory for two %u-byte buffers\n", bs);
	}
	if (wbuf != NULL && rbuf != NULL) {
		for (uint32_t i = 0; i < bs; i++)
			wbuf[i] = (unsigned char)(i * 7 + 1);
		snprintf((char *)wbuf, bs, "hello from pnvme %s", pnvme_version());
		if (one_io(1, ns, qp, wbuf) == 0 && one_io(0, ns, qp, rbuf) == 0) {
			if (memcmp(wbuf, rbuf, bs) == 0) {
				printf("hello_pnvme: wrote, read back and compared %u bytes at LBA 0 of "
				       "namespace %u (%s, pnvme %s)\n", bs, nsid, trid, pnvme_version());
				ret = 0;
			} else {
				fprintf(stderr, "hello_pnvme: the block read back differs\n");
			}
		}
	}
	/* Detach frees the qpair and completes anything outstanding; then the buffers go. */
	rc = pnvme_detach(ctrlr);
	if (rc != 0) {
		fprintf(stderr, "hello_pnvme: detach: %s\n", strerror(-rc));
		ret = 1;
	}
	pnvme_dma_free(wbuf);
	pnvme_dma_free(rbuf);
	return ret;
}
