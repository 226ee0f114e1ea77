/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admin helpers: one function per admin command a tool needs, each building
 * the command's dwords from named fields and submitting it asynchronously.
 * Fields out of range are refused here, before anything reaches the device.
 */
#include <errno.h>
#include <string.h>

#include "ctrlr.h"

static int submit(struct pnvme_ctrlr *c, const struct pnvme_cmd *cmd, void *buf, uint32_t len,
		  pnvme_cmd_cb cb, void *arg)
{
	if (cb == NULL)
		return -EINVAL;
	return pnvme_ctrlr_cmd_admin_raw(c, cmd, buf, len, cb, arg);
}

int pnvme_ctrlr_cmd_identify(struct pnvme_ctrlr *c, uint8_t cns, uint32_t nsid, void *buf,
			     pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_IDENTIFY, .nsid = nsid, .cdw10 = cns};

	if (buf == NULL)
		return -EINVAL;
	return submit(c, &cmd, buf, 4096, cb, arg);
}

int pnvme_ctrlr_cmd_get_log_page(struct pnvme_ctrlr *c, uint8_t lid, uint32_t nsid, void *buf,
				 uint32_t len, uint64_t offset, uint32_t flags, pnvme_cmd_cb cb,
				 void *arg)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_GET_LOG_PAGE, .nsid = nsid};
	uint32_t numd;

	if (buf == NULL || len == 0 || (len & 3) || (offset & 3) ||
	    (flags & ~PNVME_GET_LOG_RAE) != 0)
		return -EINVAL;
	numd = len / 4 - 1; /* 0's based */
	cmd.cdw10 = lid | ((numd & 0xffff) << 16) | (flags & PNVME_GET_LOG_RAE ? PNVME_LOG_RAE : 0);
	cmd.cdw11 = numd >> 16;
	cmd.cdw12 = (uint32_t)offset;
	cmd.cdw13 = (uint32_t)(offset >> 32);
	return submit(c, &cmd, buf, len, cb, arg);
}

int pnvme_ctrlr_cmd_get_feature(struct pnvme_ctrlr *c, uint8_t fid, uint8_t sel, uint32_t cdw11,
				uint32_t nsid, void *buf, uint32_t len, pnvme_cmd_cb cb,
				void *arg)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_GET_FEATURES, .nsid = nsid, .cdw11 = cdw11};

	if (sel > 3 || (buf == NULL) != (len == 0))
		return -EINVAL;
	cmd.cdw10 = fid | (uint32_t)sel << 8;
	return submit(c, &cmd, buf, len, cb, arg);
}

int pnvme_ctrlr_cmd_set_feature(struct pnvme_ctrlr *c, uint8_t fid, uint32_t cdw11,
				uint32_t cdw12, bool save, uint32_t nsid, void *buf, uint32_t len,
				pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {
		.opc = PNVME_OPC_SET_FEATURES, .nsid = nsid, .cdw11 = cdw11, .cdw12 = cdw12,
	};

	if ((buf == NULL) != (len == 0))
		return -EINVAL;
	cmd.cdw10 = fid | (save ? 1u << 31 : 0);
	return submit(c, &cmd, buf, len, cb, arg);
}

int pnvme_ctrlr_cmd_format(struct pnvme_ctrlr *c, uint32_t nsid, const struct pnvme_format *f,
			   pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_FORMAT_NVM, .nsid = nsid};

	if (f == NULL || f->lbaf > 63 || f->ses > 7 || f->pi > 7)
		return -EINVAL;
	cmd.cdw10 = PNVME_FORMAT_LBAF(f->lbaf) | (f->mset ? PNVME_FORMAT_MSET : 0) |
		    PNVME_FORMAT_PI(f->pi) | (f->pil ? PNVME_FORMAT_PIL : 0) |
		    PNVME_FORMAT_SES(f->ses);
	return submit(c, &cmd, NULL, 0, cb, arg);
}

int pnvme_ctrlr_cmd_sanitize(struct pnvme_ctrlr *c, uint32_t cdw10, uint32_t ovrpat,
			     pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_SANITIZE, .cdw10 = cdw10, .cdw11 = ovrpat};
	uint32_t sanact = cdw10 & 0x7;

	if (sanact < PNVME_SANACT_EXIT_FAILURE || sanact > PNVME_SANACT_CRYPTO_ERASE ||
	    (cdw10 >> 10) != 0)
		return -EINVAL;
	return submit(c, &cmd, NULL, 0, cb, arg);
}

int pnvme_ctrlr_cmd_fw_image_download(struct pnvme_ctrlr *c, uint32_t offset, void *buf,
				      uint32_t len, pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD};

	if (buf == NULL || len == 0 || (len & 3) || (offset & 3))
		return -EINVAL;
	cmd.cdw10 = len / 4 - 1;
	cmd.cdw11 = offset / 4;
	return submit(c, &cmd, buf, len, cb, arg);
}

int pnvme_ctrlr_cmd_fw_commit(struct pnvme_ctrlr *c, uint8_t slot, uint8_t action,
			      pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_FIRMWARE_COMMIT};

	if (slot > 7 || action > 7)
		return -EINVAL;
	cmd.cdw10 = PNVME_FW_COMMIT(slot, action);
	return submit(c, &cmd, NULL, 0, cb, arg);
}

int pnvme_ctrlr_cmd_ns_create(struct pnvme_ctrlr *c, struct pnvme_ns_data *data,
			      pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_NS_MANAGEMENT, .cdw10 = PNVME_NS_MGMT_CREATE};

	if (data == NULL)
		return -EINVAL;
	return submit(c, &cmd, data, sizeof(*data), cb, arg);
}

int pnvme_ctrlr_cmd_ns_delete(struct pnvme_ctrlr *c, uint32_t nsid, pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {
		.opc = PNVME_OPC_NS_MANAGEMENT, .nsid = nsid, .cdw10 = PNVME_NS_MGMT_DELETE,
	};

	if (nsid == 0)
		return -EINVAL;
	return submit(c, &cmd, NULL, 0, cb, arg);
}

int pnvme_ctrlr_cmd_ns_attach(struct pnvme_ctrlr *c, uint32_t nsid, bool attach,
			      struct pnvme_ctrlr_list *list, pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {
		.opc = PNVME_OPC_NS_ATTACHMENT, .nsid = nsid,
		.cdw10 = attach ? PNVME_NS_ATTACH : PNVME_NS_DETACH,
	};

	if (nsid == 0 || nsid == 0xffffffffu || list == NULL || list->num > 2047)
		return -EINVAL;
	return submit(c, &cmd, list, sizeof(*list), cb, arg);
}

int pnvme_ctrlr_cmd_device_self_test(struct pnvme_ctrlr *c, uint32_t nsid, uint8_t code,
				     pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_DEVICE_SELF_TEST, .nsid = nsid, .cdw10 = code};

	if (code > 0xf)
		return -EINVAL;
	return submit(c, &cmd, NULL, 0, cb, arg);
}
