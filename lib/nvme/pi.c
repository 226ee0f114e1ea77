/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host-side protection information: generate and verify the 8-byte tuple
 * (big-endian guard, application tag, reference tag) of each block, laid out
 * as the namespace's format says. The guard is CRC-16 T10-DIF from ISA-L.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <isa-l/crc.h>

#include "ctrlr.h"

/* Where block i's data and PI live. */
struct pi_layout {
	uint32_t data;     /* data bytes per block */
	uint32_t stride;   /* bytes from one block's data to the next */
	uint32_t md;       /* metadata bytes per block */
	uint32_t pi_off;   /* PI offset inside the metadata */
	bool extended;
};

static int layout(const struct pnvme_ns *ns, const void *md, struct pi_layout *l)
{
	if (ns == NULL || ns->pi_type == PNVME_PI_NONE || ns->md_size < 8)
		return -EINVAL;
	if (ns->md_extended != (md == NULL))
		return -EINVAL; /* extended: in the data buffer; separate: md required */
	l->data = ns->sector_size;
	l->md = ns->md_size;
	l->extended = ns->md_extended;
	l->stride = ns->md_extended ? ns->sector_size + ns->md_size : ns->sector_size;
	l->pi_off = ns->pi_first ? 0 : ns->md_size - 8;
	return 0;
}

static uint8_t *pi_at(const struct pi_layout *l, uint8_t *buf, uint8_t *md, uint32_t i)
{
	if (l->extended)
		return buf + (size_t)i * l->stride + l->data + l->pi_off;
	return md + (size_t)i * l->md + l->pi_off;
}

/*
 * The guard covers the block's data and, with PI in the last bytes of more
 * than 8 bytes of metadata, the metadata before it (NVM Command Set spec).
 */
static uint16_t guard_of(const struct pi_layout *l, const uint8_t *data, const uint8_t *pi)
{
	uint16_t crc = crc16_t10dif(0, data, l->data);

	if (l->pi_off > 0)
		crc = crc16_t10dif(crc, pi - l->pi_off, l->pi_off);
	return crc;
}

static bool uses_reftag(const struct pnvme_ns *ns)
{
	return ns->pi_type == PNVME_PI_TYPE1 || ns->pi_type == PNVME_PI_TYPE2;
}

int pnvme_pi_generate(const struct pnvme_ns *ns, void *buf, void *md, uint64_t lba,
		      uint32_t lba_count, uint16_t apptag)
{
	struct pi_layout l;

	if (buf == NULL || layout(ns, md, &l) != 0)
		return -EINVAL;
	for (uint32_t i = 0; i < lba_count; i++) {
		uint8_t *data = (uint8_t *)buf + (size_t)i * l.stride;
		uint8_t *p = pi_at(&l, buf, md, i);
		struct pnvme_pi pi;

		pi.guard = htobe16(guard_of(&l, data, p));
		pi.app_tag = htobe16(apptag);
		pi.ref_tag = htobe32(uses_reftag(ns) ? (uint32_t)(lba + i) : 0xffffffffu);
		memcpy(p, &pi, sizeof(pi));
	}
	return 0;
}

int pnvme_pi_verify(const struct pnvme_ns *ns, const void *buf, const void *md, uint64_t lba,
		    uint32_t lba_count, uint32_t io_flags, uint16_t apptag_mask, uint16_t apptag,
		    uint64_t *bad_lba)
{
	struct pi_layout l;

	if (buf == NULL || layout(ns, md, &l) != 0)
		return -EINVAL;
	for (uint32_t i = 0; i < lba_count; i++) {
		const uint8_t *data = (const uint8_t *)buf + (size_t)i * l.stride;
		const uint8_t *p = pi_at(&l, (uint8_t *)buf, (uint8_t *)md, i);
		struct pnvme_pi pi;
		bool bad = false;

		memcpy(&pi, p, sizeof(pi));
		/* An application tag of all ones (and for type 3 a reference tag too) disables checks. */
		if (be16toh(pi.app_tag) == 0xffff &&
		    (ns->pi_type != PNVME_PI_TYPE3 || be32toh(pi.ref_tag) == 0xffffffffu))
			continue;
		if ((io_flags & PNVME_IO_FLAGS_PRCHK_GUARD) &&
		    be16toh(pi.guard) != guard_of(&l, data, p))
			bad = true;
		if ((io_flags & PNVME_IO_FLAGS_PRCHK_APPTAG) &&
		    ((be16toh(pi.app_tag) ^ apptag) & apptag_mask) != 0)
			bad = true;
		if ((io_flags & PNVME_IO_FLAGS_PRCHK_REFTAG) && uses_reftag(ns) &&
		    be32toh(pi.ref_tag) != (uint32_t)(lba + i))
			bad = true;
		if (bad) {
			if (bad_lba != NULL)
				*bad_lba = lba + i;
			return -EILSEQ;
		}
	}
	return 0;
}
