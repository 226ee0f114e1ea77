/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scatter gather lists (NVMe Base 1.4 4.4) and the two pointers of a command:
 * DPTR as PRPs or an SGL, MPTR as one contiguous buffer or the address of an
 * SGL, as the command's PSDT says and Identify SGLS allows.
 *
 * An SGL starts with the descriptor in the command (SGL1) or, for metadata,
 * the one at MPTR. Data Block descriptors carry data; Bit Bucket descriptors
 * (controller to host only) make the controller discard that much of it; a
 * Segment or Last Segment descriptor, always the last of its segment, points
 * to the next segment in host memory, a list of 16-byte descriptors. The
 * segment a Last Segment descriptor points to holds no further segment
 * descriptor, and one reached through a Segment descriptor must end with one.
 *
 * Errors, in the order they are found while walking: a descriptor type or
 * subtype the controller does not take -> SGL Descriptor Type Invalid (a Bit
 * Bucket without SGLS bit 16, or in a transfer from the host, included); a
 * segment descriptor out of place, of length 0 or not a multiple of 16 ->
 * Invalid SGL Segment Descriptor; a Data Block whose address or length is not
 * a multiple of 4 with SGLS 10b -> SGL Data Block Granularity Invalid; more
 * or fewer bytes than the transfer -> Data (or Metadata) SGL Length Invalid
 * (SGLS bit 18 is clear: no oversized SGLs); more than SIM_SGL_MAX_DESCS
 * descriptors (a list that loops) -> Invalid Number of SGL Descriptors; an
 * address that is not DMA memory -> Data Transfer Error.
 */
#include <string.h>

#include "sim_internal.h"

#define DESC_LEN 16u

struct sgl_walk {
	struct sim_sgl *out;
	size_t want;   /* bytes of the transfer */
	bool to_host;  /* controller to host: bit buckets allowed */
	bool dword;    /* SGLS 10b: data blocks dword aligned and granular */
	bool bucket;   /* SGLS bit 16 */
	bool md;       /* a metadata SGL: its length errors have their own code */
	unsigned n;    /* descriptors seen */
};

static uint16_t length_invalid(const struct sgl_walk *w)
{
	return SIM_ERR(w->md ? PNVME_SC_METADATA_SGL_LENGTH_INVALID :
		       PNVME_SC_DATA_SGL_LENGTH_INVALID);
}

static uint16_t data_desc(struct sgl_walk *w, const struct pnvme_sgl_desc *d, unsigned type)
{
	if ((d->id & 0xf) != PNVME_SGL_SUBTYPE_ADDRESS)
		return SIM_ERR(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID);
	if (type == PNVME_SGL_TYPE_BIT_BUCKET) {
		if (!w->bucket || !w->to_host)
			return SIM_ERR(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID);
	} else if (w->dword && ((d->address | d->length) & 0x3)) {
		return SIM_ERR(PNVME_SC_SGL_DATA_BLOCK_GRANULARITY_INVALID);
	}
	if (d->length > w->want - w->out->len)
		return length_invalid(w); /* beyond the transfer */
	if (d->length == 0)
		return SIM_OK;
	if (type == PNVME_SGL_TYPE_BIT_BUCKET)
		return sim_seg_add_bucket(w->out, d->length);
	return sim_seg_add(w->out, d->address, d->length);
}

/*
 * Walk an SGL whose first segment is the one descriptor at first (host memory
 * or the command: copied before use) into out, for a transfer of len bytes.
 */
uint16_t sim_sgl_map(struct pnvme_sim *sim, struct sim_sgl *out, const void *first, size_t len,
		     bool to_host, bool md)
{
	struct sgl_walk w = {
		.out = out, .want = len, .to_host = to_host, .md = md,
		.dword = PNVME_SGLS_SUPPORT(sim->cdata.sgls) == PNVME_SGLS_DWORD_ALIGNED,
		.bucket = (sim->cdata.sgls & PNVME_SGLS_BIT_BUCKET) != 0,
	};
	const uint8_t *list = first;
	size_t n = 1;
	bool in_last = false, need_next = false;

	out->n = 0;
	out->len = 0;
	for (size_t i = 0; i < n; i++) {
		struct pnvme_sgl_desc d;
		unsigned type;
		uint16_t st;

		memcpy(&d, list + i * DESC_LEN, sizeof(d));
		type = d.id >> 4;
		if (++w.n > SIM_SGL_MAX_DESCS)
			return SIM_ERR(PNVME_SC_INVALID_NUM_SGL_DESCIRPTORS);
		switch (type) {
		case PNVME_SGL_TYPE_DATA_BLOCK:
		case PNVME_SGL_TYPE_BIT_BUCKET:
			st = data_desc(&w, &d, type);
			if (st != SIM_OK)
				return st;
			break;
		case PNVME_SGL_TYPE_SEGMENT:
		case PNVME_SGL_TYPE_LAST_SEGMENT:
			if (in_last || i != n - 1 || d.length == 0 || d.length % DESC_LEN != 0)
				return SIM_ERR(PNVME_SC_INVALID_SGL_SEG_DESCRIPTOR);
			if ((d.id & 0xf) != PNVME_SGL_SUBTYPE_ADDRESS)
				return SIM_ERR(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID);
			list = env_pci_iova_to_vaddr(d.address, d.length);
			if (list == NULL)
				return SIM_ERR(PNVME_SC_DATA_TRANSFER_ERROR);
			n = d.length / DESC_LEN;
			i = SIZE_MAX; /* the loop's increment starts the new segment at 0 */
			in_last = type == PNVME_SGL_TYPE_LAST_SEGMENT;
			need_next = type == PNVME_SGL_TYPE_SEGMENT;
			break;
		default: /* keyed, transport, reserved and vendor specific types */
			return SIM_ERR(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID);
		}
		if (need_next && i == n - 1 && type != PNVME_SGL_TYPE_SEGMENT &&
		    type != PNVME_SGL_TYPE_LAST_SEGMENT)
			return SIM_ERR(PNVME_SC_INVALID_SGL_SEG_DESCRIPTOR); /* no next segment */
	}
	if (out->len != len)
		return length_invalid(&w);
	return SIM_OK;
}

/*
 * PSDT against what Identify SGLS offers: 11b is reserved, SGLs need SGLS
 * bits 1:0, and 10b (MPTR an SGL) needs bit 19. Any breach: Invalid Field.
 */
uint16_t sim_psdt_check(const struct pnvme_sim *sim, const struct pnvme_cmd *cmd)
{
	uint32_t sgls = sim->cdata.sgls;

	switch (cmd->psdt) {
	case PNVME_PSDT_PRP:
		return SIM_OK;
	case PNVME_PSDT_SGL_MPTR_CONTIG:
		return PNVME_SGLS_SUPPORT(sgls) ? SIM_OK : SIM_ERR(PNVME_SC_INVALID_FIELD);
	case PNVME_PSDT_SGL_MPTR_SGL:
		return PNVME_SGLS_SUPPORT(sgls) && (sgls & PNVME_SGLS_MPTR_SGL) ?
			       SIM_OK : SIM_ERR(PNVME_SC_INVALID_FIELD);
	default:
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	}
}

/* The data pointer, len bytes, into sim->sgl. PSDT checked before. */
uint16_t sim_dptr_map(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, size_t len,
		      bool to_host)
{
	if (cmd->psdt == PNVME_PSDT_PRP)
		return sim_prp_map(&sim->sgl, cmd->dptr.prp.prp1, cmd->dptr.prp.prp2, len);
	return sim_sgl_map(sim, &sim->sgl, &cmd->dptr.sgl, len, to_host, false);
}

/*
 * The metadata pointer, len bytes, into sim->mdsgl: with PSDT 00b or 01b one
 * contiguous, dword-aligned buffer (SGLS bit 17 is clear); with 10b the
 * address of a qword-aligned segment of one descriptor, walked as an SGL.
 * A misaligned MPTR: Invalid Field.
 */
uint16_t sim_mptr_map(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, size_t len,
		      bool to_host)
{
	struct sim_sgl *out = &sim->mdsgl;
	const void *desc;

	out->n = 0;
	out->len = 0;
	if (len == 0)
		return SIM_OK;
	if (cmd->psdt != PNVME_PSDT_SGL_MPTR_SGL) {
		if (cmd->mptr & 0x3)
			return SIM_ERR(PNVME_SC_INVALID_FIELD);
		return sim_seg_add(out, cmd->mptr, len);
	}
	if (cmd->mptr & 0x7)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	desc = env_pci_iova_to_vaddr(cmd->mptr, DESC_LEN);
	if (desc == NULL)
		return SIM_ERR(PNVME_SC_DATA_TRANSFER_ERROR);
	return sim_sgl_map(sim, out, desc, len, to_host, true);
}
