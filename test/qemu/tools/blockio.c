/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blockio: move a file's bytes to or from a namespace through pnvme, for
 * guest tests that compare pnvme's view of the medium with another
 * initiator's (test/qemu/tcp_test.sh: the kernel's nvme-tcp reads what pnvme
 * wrote, and the other way round).
 *
 *   blockio write TRID NSID LBA BLOCKS FILE   FILE's first BLOCKS sectors to LBA
 *   blockio read  TRID NSID LBA BLOCKS FILE   BLOCKS sectors at LBA into FILE
 *   blockio discover TRID                     pnvme_discover(): one line per entry,
 *                                             "subnqn SUBNQN trsvcid SVC subtype N"
 *
 * One request per call (the driver splits it beyond its maximum transfer),
 * polled to its end, 30 s at most. Prints the sector size used; exit status
 * 0 on success, 1 on any failure (with a line saying which), 2 on bad usage.
 * Lives in build/test/qemu/tools/, which guest-check.sh does not run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pnvme/nvme.h>

struct io_wait {
	int done;
	struct pnvme_cpl cpl;
};

static void io_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct io_wait *w = arg;

	w->done++;
	w->cpl = *cpl;
}

static int usage(void)
{
	fprintf(stderr, "usage: blockio write|read TRID NSID LBA BLOCKS FILE\n"
			"       blockio discover TRID\n");
	return 2;
}

static void on_entry(void *ctx, const struct pnvme_discovery_entry *e)
{
	(void)ctx;
	printf("subnqn %s trsvcid %s traddr %s trtype %s subtype %u portid %u\n", e->subnqn,
	       e->trsvcid, e->traddr, e->trtype, e->subtype, e->portid);
}

static int discover(const char *trid)
{
	int n = pnvme_discover(trid, on_entry, NULL);

	if (n < 0) {
		fprintf(stderr, "blockio: pnvme_discover '%s': %s\n", trid, strerror(-n));
		return 1;
	}
	printf("blockio: %d entries\n", n);
	return 0;
}

static int file_io(int write, const char *path, void *buf, size_t len)
{
	FILE *f = fopen(path, write ? "rb" : "wb");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "blockio: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = write ? fread(buf, 1, len, f) : fwrite(buf, 1, len, f);
	if (fclose(f) != 0 || n != len) {
		fprintf(stderr, "blockio: %s: %zu of %zu bytes\n", path, n, len);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pnvme_ctrlr *ctrlr = NULL;
	struct pnvme_qpair *qp = NULL;
	struct pnvme_ns *ns;
	struct io_wait w = {0};
	unsigned long long lba, blocks;
	unsigned long nsid;
	uint8_t *buf = NULL;
	size_t len;
	uint32_t ss;
	uint64_t deadline;
	int write, rc, ret = 1;
	char *end;

	if (argc == 3 && strcmp(argv[1], "discover") == 0)
		return discover(argv[2]);
	if (argc != 7 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "read") != 0))
		return usage();
	write = strcmp(argv[1], "write") == 0;
	nsid = strtoul(argv[3], &end, 0);
	if (*end != '\0' || nsid == 0)
		return usage();
	lba = strtoull(argv[4], &end, 0);
	if (*end != '\0')
		return usage();
	blocks = strtoull(argv[5], &end, 0);
	if (*end != '\0' || blocks == 0 || blocks > 65536)
		return usage();

	rc = pnvme_connect(argv[2], NULL, &ctrlr);
	if (rc != 0) {
		fprintf(stderr, "blockio: connect '%s': %s\n", argv[2], strerror(-rc));
		return 1;
	}
	ns = pnvme_ctrlr_get_ns(ctrlr, (uint32_t)nsid);
	if (ns == NULL || !pnvme_ns_is_active(ns)) {
		fprintf(stderr, "blockio: namespace %lu is not active\n", nsid);
		goto out;
	}
	ss = pnvme_ns_get_sector_size(ns);
	len = (size_t)blocks * ss;
	printf("blockio: %s %llu blocks of %u bytes at LBA %llu, nsid %lu\n", argv[1], blocks, ss,
	       lba, nsid);
	buf = pnvme_dma_zmalloc(len, 4096, NULL);
	rc = pnvme_ctrlr_alloc_io_qpair(ctrlr, NULL, &qp);
	if (buf == NULL || rc != 0) {
		fprintf(stderr, "blockio: no buffer or qpair (%d)\n", rc);
		goto out;
	}
	if (write && file_io(1, argv[6], buf, len) != 0)
		goto out;
	rc = write ? pnvme_ns_cmd_write(ns, qp, buf, lba, (uint32_t)blocks, io_done, &w, 0)
		   : pnvme_ns_cmd_read(ns, qp, buf, lba, (uint32_t)blocks, io_done, &w, 0);
	if (rc != 0) {
		fprintf(stderr, "blockio: %s refused: %s\n", argv[1], strerror(-rc));
		goto out;
	}
	deadline = pnvme_ticks() + 30 * pnvme_ticks_hz();
	while (w.done == 0 && pnvme_ticks() < deadline) {
		if (pnvme_qpair_process_completions(qp, 0) < 0)
			break;
	}
	if (w.done != 1) {
		fprintf(stderr, "blockio: %s: %d callbacks\n", argv[1], w.done);
		goto out;
	}
	if (pnvme_cpl_is_error(&w.cpl)) {
		fprintf(stderr, "blockio: %s failed: %s\n", argv[1], pnvme_cpl_status_str(&w.cpl));
		goto out;
	}
	if (!write && file_io(0, argv[6], buf, len) != 0)
		goto out;
	ret = 0;
out:
	if (qp != NULL)
		pnvme_ctrlr_free_io_qpair(qp);
	pnvme_detach(ctrlr); /* completes anything still out before the buffer goes */
	pnvme_dma_free(buf);
	return ret;
}
