/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Synchronous forms of the admin helpers, for tools: ordinary buffers copied
 * through DMA memory, a wait bounded by admin_timeout_ms, and a namespace
 * rescan after the commands that change namespaces.
 */
#include <errno.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"

#define FW_GRANULE 4096u /* FWUG's unit, and the piece size when it says nothing */

static int wait_for(struct pnvme_ctrlr *c, struct nvme_sync_wait *w, int rc, uint8_t opc,
		    struct pnvme_cpl *cpl)
{
	if (rc != 0)
		return rc;
	return nvme_admin_wait(c, w, opc, cpl);
}

static bool may_wait(struct pnvme_ctrlr *c)
{
	return c != NULL && !nvme_ctrlr_in_admin_callback(c);
}

/* DMA memory for len bytes (at least one page), optionally filled from src. */
static void *dma_buf(uint32_t len, const void *src)
{
	void *p = pnvme_dma_zmalloc(len < 4096 ? 4096 : len, 4096, NULL);

	if (p != NULL && src != NULL)
		memcpy(p, src, len);
	return p;
}

int pnvme_ctrlr_identify(struct pnvme_ctrlr *c, uint8_t cns, uint32_t nsid, void *buf,
			 struct pnvme_cpl *cpl)
{
	struct nvme_sync_wait w = {.done = false};
	void *dma;
	int rc;

	if (!may_wait(c) || buf == NULL)
		return c == NULL || buf == NULL ? -EINVAL : -EDEADLK;
	if ((dma = dma_buf(4096, NULL)) == NULL)
		return -ENOMEM;
	rc = pnvme_ctrlr_cmd_identify(c, cns, nsid, dma, nvme_sync_done, &w);
	rc = wait_for(c, &w, rc, PNVME_OPC_IDENTIFY, cpl);
	if (rc == 0)
		memcpy(buf, dma, 4096);
	pnvme_dma_free(dma);
	return rc;
}

int pnvme_ctrlr_get_log_page(struct pnvme_ctrlr *c, uint8_t lid, uint32_t nsid, void *buf,
			     uint32_t len, uint64_t offset, uint32_t flags, struct pnvme_cpl *cpl)
{
	struct nvme_sync_wait w = {.done = false};
	void *dma;
	int rc;

	if (!may_wait(c) || buf == NULL || len == 0)
		return c == NULL || buf == NULL || len == 0 ? -EINVAL : -EDEADLK;
	if ((dma = dma_buf(len, NULL)) == NULL)
		return -ENOMEM;
	rc = pnvme_ctrlr_cmd_get_log_page(c, lid, nsid, dma, len, offset, flags, nvme_sync_done,
					  &w);
	rc = wait_for(c, &w, rc, PNVME_OPC_GET_LOG_PAGE, cpl);
	if (rc == 0)
		memcpy(buf, dma, len);
	pnvme_dma_free(dma);
	return rc;
}

int pnvme_ctrlr_get_feature(struct pnvme_ctrlr *c, uint8_t fid, uint8_t sel, uint32_t cdw11,
			    uint32_t nsid, void *buf, uint32_t len, uint32_t *value,
			    struct pnvme_cpl *cpl)
{
	struct nvme_sync_wait w = {.done = false};
	void *dma = NULL;
	int rc;

	if (!may_wait(c) || (buf == NULL) != (len == 0))
		return c == NULL || (buf == NULL) != (len == 0) ? -EINVAL : -EDEADLK;
	if (len != 0 && (dma = dma_buf(len, NULL)) == NULL)
		return -ENOMEM;
	rc = pnvme_ctrlr_cmd_get_feature(c, fid, sel, cdw11, nsid, dma, len, nvme_sync_done, &w);
	rc = wait_for(c, &w, rc, PNVME_OPC_GET_FEATURES, cpl);
	if (rc == 0 && len != 0)
		memcpy(buf, dma, len);
	if (rc == 0 && value != NULL)
		*value = w.cpl.cdw0;
	pnvme_dma_free(dma);
	return rc;
}

int pnvme_ctrlr_set_feature(struct pnvme_ctrlr *c, uint8_t fid, uint32_t cdw11, uint32_t cdw12,
			    bool save, uint32_t nsid, const void *buf, uint32_t len,
			    struct pnvme_cpl *cpl)
{
	struct nvme_sync_wait w = {.done = false};
	void *dma = NULL;
	int rc;

	if (!may_wait(c) || (buf == NULL) != (len == 0))
		return c == NULL || (buf == NULL) != (len == 0) ? -EINVAL : -EDEADLK;
	if (len != 0 && (dma = dma_buf(len, buf)) == NULL)
		return -ENOMEM;
	rc = pnvme_ctrlr_cmd_set_feature(c, fid, cdw11, cdw12, save, nsid, dma, len,
					 nvme_sync_done, &w);
	rc = wait_for(c, &w, rc, PNVME_OPC_SET_FEATURES, cpl);
	pnvme_dma_free(dma);
	return rc;
}

/* Run a command that moves no data; 0, -EIO (device status in *cpl) or an errno. */
#define SYNC_NODATA(c, opc, cpl, call)                                   \
	do {                                                             \
		struct nvme_sync_wait w_ = {.done = false};              \
		pnvme_cmd_cb cb_ = nvme_sync_done;                       \
		void *arg_ = &w_;                                        \
		if (!may_wait(c))                                        \
			return (c) == NULL ? -EINVAL : -EDEADLK;         \
		return wait_for((c), &w_, (call), (opc), (cpl));         \
	} while (0)

static int format_sync(struct pnvme_ctrlr *c, uint32_t nsid, const struct pnvme_format *f,
		       struct pnvme_cpl *cpl)
{
	SYNC_NODATA(c, PNVME_OPC_FORMAT_NVM, cpl, pnvme_ctrlr_cmd_format(c, nsid, f, cb_, arg_));
}

int pnvme_ctrlr_format(struct pnvme_ctrlr *c, uint32_t nsid, const struct pnvme_format *f,
		       struct pnvme_cpl *cpl)
{
	int rc = format_sync(c, nsid, f, cpl);

	if (rc == 0)
		rc = pnvme_ctrlr_rescan_ns(c);
	return rc;
}

int pnvme_ctrlr_sanitize(struct pnvme_ctrlr *c, uint32_t cdw10, uint32_t ovrpat,
			 struct pnvme_cpl *cpl)
{
	SYNC_NODATA(c, PNVME_OPC_SANITIZE, cpl,
		    pnvme_ctrlr_cmd_sanitize(c, cdw10, ovrpat, cb_, arg_));
}

int pnvme_ctrlr_fw_commit(struct pnvme_ctrlr *c, uint8_t slot, uint8_t action,
			  struct pnvme_cpl *cpl)
{
	SYNC_NODATA(c, PNVME_OPC_FIRMWARE_COMMIT, cpl,
		    pnvme_ctrlr_cmd_fw_commit(c, slot, action, cb_, arg_));
}

static int ns_delete_sync(struct pnvme_ctrlr *c, uint32_t nsid, struct pnvme_cpl *cpl)
{
	SYNC_NODATA(c, PNVME_OPC_NS_MANAGEMENT, cpl, pnvme_ctrlr_cmd_ns_delete(c, nsid, cb_, arg_));
}

int pnvme_ctrlr_ns_delete(struct pnvme_ctrlr *c, uint32_t nsid, struct pnvme_cpl *cpl)
{
	int rc = ns_delete_sync(c, nsid, cpl);

	if (rc == 0)
		rc = pnvme_ctrlr_rescan_ns(c);
	return rc;
}

int pnvme_ctrlr_device_self_test(struct pnvme_ctrlr *c, uint32_t nsid, uint8_t code,
				 struct pnvme_cpl *cpl)
{
	SYNC_NODATA(c, PNVME_OPC_DEVICE_SELF_TEST, cpl,
		    pnvme_ctrlr_cmd_device_self_test(c, nsid, code, cb_, arg_));
}

/* FWUG's granularity in bytes: the alignment of a piece's offset (4: none given). */
static uint32_t fw_gran(const struct pnvme_ctrlr *c)
{
	uint8_t fwug = c->cdata.fwug;

	return fwug == 0 || fwug == 0xff ? 4 : (uint32_t)fwug * FW_GRANULE;
}

/* The piece size for a download: xfer, or FWUG's, within the transfer limit. */
static int fw_piece(const struct pnvme_ctrlr *c, uint32_t xfer, uint32_t *piece)
{
	uint8_t fwug = c->cdata.fwug;
	uint32_t gran = fw_gran(c);

	if (xfer == 0) {
		xfer = fwug == 0 || fwug == 0xff ? FW_GRANULE : gran;
		if (c->max_xfer != 0 && xfer > c->max_xfer)
			xfer = c->max_xfer - c->max_xfer % gran;
	}
	if (xfer == 0 || xfer % gran != 0 || (xfer & 3) || (c->max_xfer && xfer > c->max_xfer))
		return -EINVAL;
	*piece = xfer;
	return 0;
}

int pnvme_ctrlr_fw_download_at(struct pnvme_ctrlr *c, uint64_t offset, const void *image,
			       size_t len, uint32_t xfer, struct pnvme_cpl *cpl)
{
	uint32_t piece;
	uint8_t *dma;
	int rc;

	if (c == NULL || image == NULL || len == 0 || (len & 3) || len > UINT32_MAX ||
	    offset % fw_gran(c) != 0 || offset + len > UINT32_MAX)
		return -EINVAL;
	if (!may_wait(c))
		return -EDEADLK;
	if ((rc = fw_piece(c, xfer, &piece)) != 0)
		return rc;
	if ((dma = dma_buf(piece, NULL)) == NULL)
		return -ENOMEM;
	for (size_t off = 0; off < len && rc == 0; off += piece) {
		struct nvme_sync_wait w = {.done = false};
		uint32_t n = len - off < piece ? (uint32_t)(len - off) : piece;

		memcpy(dma, (const uint8_t *)image + off, n);
		rc = pnvme_ctrlr_cmd_fw_image_download(c, (uint32_t)(offset + off), dma, n,
						       nvme_sync_done, &w);
		rc = wait_for(c, &w, rc, PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD, cpl);
	}
	pnvme_dma_free(dma);
	return rc;
}

int pnvme_ctrlr_fw_download(struct pnvme_ctrlr *c, const void *image, size_t len, uint32_t xfer,
			    struct pnvme_cpl *cpl)
{
	return pnvme_ctrlr_fw_download_at(c, 0, image, len, xfer, cpl);
}

int pnvme_ctrlr_ns_create(struct pnvme_ctrlr *c, uint64_t nsze, uint64_t ncap, uint8_t flbas,
			  uint8_t dps, uint8_t nmic, uint32_t *nsid, struct pnvme_cpl *cpl)
{
	struct nvme_sync_wait w = {.done = false};
	struct pnvme_ns_data *d;
	int rc;

	if (c == NULL || nsze == 0 || ncap == 0 || ncap > nsze)
		return -EINVAL;
	if (!may_wait(c))
		return -EDEADLK;
	if ((d = dma_buf(sizeof(*d), NULL)) == NULL)
		return -ENOMEM;
	d->nsze = nsze;
	d->ncap = ncap;
	d->flbas = flbas;
	d->dps = dps;
	d->nmic = nmic;
	rc = pnvme_ctrlr_cmd_ns_create(c, d, nvme_sync_done, &w);
	rc = wait_for(c, &w, rc, PNVME_OPC_NS_MANAGEMENT, cpl);
	if (rc == 0 && nsid != NULL)
		*nsid = w.cpl.cdw0;
	pnvme_dma_free(d);
	return rc;
}

int pnvme_ctrlr_ns_attach(struct pnvme_ctrlr *c, uint32_t nsid, bool attach,
			  const uint16_t *ids, uint16_t num_ids, struct pnvme_cpl *cpl)
{
	struct nvme_sync_wait w = {.done = false};
	struct pnvme_ctrlr_list *l;
	int rc;

	if (c == NULL || num_ids > 2047 || (ids == NULL && num_ids != 0))
		return -EINVAL;
	if (!may_wait(c))
		return -EDEADLK;
	if ((l = dma_buf(sizeof(*l), NULL)) == NULL)
		return -ENOMEM;
	if (ids == NULL) {
		l->num = 1;
		l->ids[0] = c->cdata.cntlid;
	} else {
		l->num = num_ids;
		memcpy(l->ids, ids, num_ids * sizeof(ids[0]));
	}
	rc = pnvme_ctrlr_cmd_ns_attach(c, nsid, attach, l, nvme_sync_done, &w);
	rc = wait_for(c, &w, rc, PNVME_OPC_NS_ATTACHMENT, cpl);
	pnvme_dma_free(l);
	if (rc == 0)
		rc = pnvme_ctrlr_rescan_ns(c);
	return rc;
}

int pnvme_ctrlr_rescan_ns(struct pnvme_ctrlr *c)
{
	uint32_t *list;
	struct pnvme_ns_data *d;
	uint32_t n = 0;
	int rc;

	if (c == NULL)
		return -EINVAL;
	if (!may_wait(c))
		return -EDEADLK;
	list = dma_buf(4096, NULL);
	d = dma_buf(sizeof(*d), NULL);
	if (list == NULL || d == NULL) {
		pnvme_dma_free(list);
		pnvme_dma_free(d);
		return -ENOMEM;
	}
	rc = pnvme_ctrlr_identify(c, PNVME_CNS_ACTIVE_NS_LIST, 0, list, NULL);
	for (uint32_t id = 1; rc == 0 && id <= c->num_ns; id++) {
		struct pnvme_cpl cpl;
		bool active = false;

		for (uint32_t i = 0; i < 1024 && list[i] != 0; i++)
			active |= list[i] == id;
		if (!active) {
			nvme_ns_init(&c->ns[id - 1], c, id, NULL);
			continue;
		}
		rc = pnvme_ctrlr_identify(c, PNVME_CNS_NS, id, d, &cpl);
		if (rc == -EIO) {
			nvme_ns_init(&c->ns[id - 1], c, id, NULL);
			rc = 0;
		} else if (rc == 0) {
			nvme_ns_init(&c->ns[id - 1], c, id, d);
		}
		if (c->ns[id - 1].active)
			c->active_ns[n++] = id;
	}
	if (rc == 0)
		c->num_active_ns = n;
	else
		PNVME_ERRLOG("ns", "%s: namespace rescan failed: %d", c->trid.traddr, rc);
	pnvme_dma_free(list);
	pnvme_dma_free(d);
	return rc;
}
