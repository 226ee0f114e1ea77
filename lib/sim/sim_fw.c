/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Firmware: SIM_FW_SLOTS slots, slot 1 running SIM_FR at start. An image
 * arrives through Firmware Image Download in pieces at offsets that are
 * multiples of FWUG (4 KiB), in order; its first eight bytes are the
 * firmware revision it carries (printable ASCII, else Invalid Firmware
 * Image). Firmware Commit puts it in a slot, and activates it at the next
 * controller reset (CA 1, 2) or at once (CA 3, with a Firmware Activation
 * Starting notice when the host enabled them).
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define FW_PIECE_ALIGN (SIM_FWUG * 4096u)
#define AER_NOTICE 2

void sim_fw_init(struct pnvme_sim *sim)
{
	memset(sim->fw_rev, 0, sizeof(sim->fw_rev));
	memcpy(sim->fw_rev[0], sim->cdata.fr, sizeof(sim->fw_rev[0]));
	sim->fw_active = 1;
	sim->fw_next = 0;
	sim->fw_img_len = 0;
}

void sim_fw_fini(struct pnvme_sim *sim)
{
	free(sim->fw_img);
	sim->fw_img = NULL;
	sim->fw_img_len = 0;
}

uint16_t sim_fw_download(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;
	uint64_t len = ((uint64_t)cmd->cdw10 + 1) * 4, off = (uint64_t)cmd->cdw11 * 4;
	uint16_t st;

	if (off % FW_PIECE_ALIGN != 0 || off + len > SIM_FW_MAX)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	if (off != 0 && off < sim->fw_img_len)
		return SIM_CS_ERR(PNVME_SC_OVERLAPPING_RANGE);
	if (off != sim->fw_img_len && off != 0)
		return SIM_ERR(PNVME_SC_INVALID_FIELD); /* a gap: pieces come in order */
	if (sim->fw_img == NULL && (sim->fw_img = malloc(SIM_FW_MAX)) == NULL)
		return SIM_ERR(PNVME_SC_INTERNAL_DEVICE_ERROR);
	st = sim_xfer_from_host(sim, cmd, sim->fw_img + off, len);
	if (st != SIM_OK)
		return st;
	sim->fw_img_len = (uint32_t)(off + len); /* offset 0 starts a new image */
	return SIM_OK;
}

/* The revision the downloaded image carries; false for an image that is not one. */
static bool image_rev(const struct pnvme_sim *sim, char rev[8])
{
	if (sim->fw_img == NULL || sim->fw_img_len < 8 || sim->fw_img[0] == ' ')
		return false;
	for (int i = 0; i < 8; i++) {
		uint8_t ch = sim->fw_img[i];

		if (ch < 0x20 || ch > 0x7e)
			return false;
		rev[i] = (char)ch;
	}
	return true;
}

static void activate(struct pnvme_sim *sim, uint8_t slot)
{
	sim->fw_active = slot;
	sim->fw_next = 0;
	memcpy(sim->cdata.fr, sim->fw_rev[slot - 1], sizeof(sim->cdata.fr));
}

uint16_t sim_fw_commit(struct pnvme_sim *sim, struct sim_req *req)
{
	uint32_t cdw10 = req->cmd.cdw10, slot = cdw10 & 0x7, ca = (cdw10 >> 3) & 0x7;
	char rev[8];

	if (ca > PNVME_FW_CA_ACTIVATE_NOW)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	if (slot > SIM_FW_SLOTS)
		return SIM_CS_ERR(PNVME_SC_INVALID_FIRMWARE_SLOT);
	if (slot == 0) /* the controller's choice: the first slot not running */
		slot = sim->fw_active == 1 ? 2 : 1;
	if (ca == PNVME_FW_CA_ACTIVATE) {
		if (sim->fw_rev[slot - 1][0] == 0)
			return SIM_CS_ERR(PNVME_SC_INVALID_FIRMWARE_SLOT); /* empty slot */
		sim->fw_next = (uint8_t)slot;
		return SIM_OK;
	}
	if (!image_rev(sim, rev))
		return SIM_CS_ERR(PNVME_SC_INVALID_FIRMWARE_IMAGE);
	memcpy(sim->fw_rev[slot - 1], rev, sizeof(rev));
	sim->fw_img_len = 0;
	if (ca == PNVME_FW_CA_REPLACE_ACTIVATE)
		sim->fw_next = (uint8_t)slot;
	if (ca == PNVME_FW_CA_ACTIVATE_NOW) {
		activate(sim, (uint8_t)slot);
		if (sim->feat.aec & SIM_AEC_FW_ACT)
			sim_event_push(sim, AER_NOTICE, PNVME_AER_NOTICE_FW_ACTIVATION_STARTING,
				       PNVME_LOG_PAGE_FIRMWARE_SLOT);
	}
	return SIM_OK;
}

/* A controller reset: a slot committed for activation at reset runs from now on. */
void sim_fw_reset(struct pnvme_sim *sim)
{
	if (sim->fw_next != 0)
		activate(sim, sim->fw_next);
}

void sim_fw_log(const struct pnvme_sim *sim, uint8_t *buf)
{
	struct pnvme_firmware_log *fw = (struct pnvme_firmware_log *)(void *)buf;

	fw->afi = (uint8_t)(sim->fw_active | sim->fw_next << 4);
	for (int i = 0; i < SIM_FW_SLOTS; i++)
		memcpy(fw->frs[i], sim->fw_rev[i], sizeof(fw->frs[i]));
}
