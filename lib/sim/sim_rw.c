/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read, Write, Compare and Write Zeroes on a namespace's sparse memory, with
 * metadata and end-to-end protection information.
 *
 * Layout on the wire (NVMe Base 1.4 8.2): with an extended format each block
 * is its data then its metadata, all through DPTR; otherwise the data goes
 * through DPTR and the metadata, ms bytes a block, through MPTR. With PI and
 * PRACT set and ms == 8 (the tuple is all the metadata) no metadata crosses
 * the bus at all: the controller makes the tuple on a write and strips it on
 * a read or compare (8.3.1, 8.3.2). With ms > 8 the metadata crosses as
 * usual and PRACT on a write puts the controller's tuple over the host's.
 *
 * Checks come first and transfers after: a command that fails a protection
 * check, or whose data runs short, has changed neither the medium nor (for a
 * Read) the host's buffer, except that SGL bit buckets are never written.
 */
#include <string.h>
#include <sys/mman.h>

#include <isa-l/crc.h>

#include "sim_internal.h"

/* Zero a byte range; whole pages go back to the kernel and read as zeroes. */
void sim_zero_range(uint8_t *base, uint64_t off, uint64_t len)
{
	uint64_t start = (off + SIM_PAGE_MASK) & ~SIM_PAGE_MASK;
	uint64_t end = (off + len) & ~SIM_PAGE_MASK;

	if (start >= end) {
		memset(base + off, 0, len);
		return;
	}
	memset(base + off, 0, start - off);
	if (madvise(base + start, end - start, MADV_DONTNEED) != 0)
		memset(base + start, 0, end - start);
	memset(base + end, 0, off + len - end);
}

uint16_t sim_lba_check(const struct sim_ns *ns, uint64_t slba, uint64_t nlb)
{
	if (slba >= ns->nsze || nlb > ns->nsze - slba)
		return SIM_ERR(PNVME_SC_LBA_OUT_OF_RANGE);
	return SIM_OK;
}

/* One Read, Write or Compare, decoded. */
struct rw {
	struct sim_ns *ns;
	uint64_t slba;
	uint32_t nlb;
	uint32_t lba;          /* data bytes a block */
	bool pi;               /* the format has protection information */
	bool md_xfer;          /* metadata crosses the bus */
	struct sim_pi_args a;
	struct sim_cur d, m;   /* data; separate metadata */
	struct sim_cur *mc;    /* where metadata comes and goes: &m, or &d when extended */
};

static uint8_t *blk_data(const struct rw *r, uint64_t i)
{
	return r->ns->data + ((r->slba + i) << r->ns->lba_shift);
}

static uint8_t *blk_md(const struct rw *r, uint64_t i)
{
	return r->ns->md + (r->slba + i) * r->ns->ms;
}

static void account(struct pnvme_sim *sim, uint8_t opc, uint64_t bytes)
{
	if (opc == PNVME_OPC_READ) {
		sim->health.host_reads++;
		sim->health.units_read += bytes / 512;
		SIM_STAT_ADD(sim->stats.bytes_read, bytes);
	} else if (opc == PNVME_OPC_WRITE) {
		sim->health.host_writes++;
		sim->health.units_written += bytes / 512;
		SIM_STAT_ADD(sim->stats.bytes_written, bytes);
	} else {
		sim->health.host_reads++; /* Compare reads the medium */
	}
}

/* Decode the command, check its range and size, and map its pointers. */
static uint16_t rw_setup(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, struct sim_ns *ns,
			 struct rw *r)
{
	bool to_host = cmd->opc == PNVME_OPC_READ;
	uint64_t dlen, mlen;
	uint16_t st;

	memset(r, 0, sizeof(*r));
	r->ns = ns;
	r->slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
	r->nlb = (cmd->cdw12 & 0xffff) + 1;
	r->lba = 1u << ns->lba_shift;
	st = sim_lba_check(ns, r->slba, r->nlb);
	if (st != SIM_OK)
		return st;
	/* PRINFO means something only on a format with PI. */
	r->pi = ns->pi != 0;
	if (r->pi)
		sim_pi_args(cmd, &r->a);
	r->md_xfer = ns->ms != 0 && !(r->pi && r->a.pract && ns->ms == 8);
	dlen = (uint64_t)r->nlb * (r->lba + (ns->ext && r->md_xfer ? ns->ms : 0));
	mlen = !ns->ext && r->md_xfer ? (uint64_t)r->nlb * ns->ms : 0;
	/* MDTS counts metadata that travels with the data, not a separate buffer. */
	if (sim->p.mdts && dlen > ((uint64_t)SIM_PAGE_SIZE << sim->p.mdts))
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	st = sim_dptr_map(sim, cmd, dlen, to_host);
	if (st == SIM_OK)
		st = sim_mptr_map(sim, cmd, mlen, to_host);
	if (st != SIM_OK)
		return st;
	sim_cur_init(&r->d, &sim->sgl);
	sim_cur_init(&r->m, &sim->mdsgl);
	r->mc = ns->ext ? &r->d : &r->m;
	return SIM_OK;
}

/* PRCHK over the medium, before a Read or Compare moves anything. */
static uint16_t check_medium(const struct rw *r)
{
	uint8_t md[SIM_MS_MAX];

	for (uint64_t i = 0; i < r->nlb; i++) {
		struct sim_pi pi;
		uint16_t guard = 0, st;

		sim_md_load(r->ns, md, blk_md(r, i));
		sim_pi_get(r->ns, md, &pi);
		if (r->a.prchk & PNVME_PRINFO_PRCHK_GUARD)
			guard = sim_pi_guard(r->ns, blk_data(r, i), md);
		st = sim_pi_check(r->ns, &r->a, i, &pi, guard);
		if (st != SIM_OK)
			return st;
	}
	return SIM_OK;
}

/* PRCHK over what the host sends (PRACT clear), before a Write stores anything. */
static uint16_t check_host(struct rw *r)
{
	uint8_t md[SIM_MS_MAX];
	uint32_t ms = r->ns->ms;

	for (uint64_t i = 0; i < r->nlb; i++) {
		struct sim_pi pi;
		uint16_t guard = sim_cur_crc(&r->d, 0, r->lba), st;

		sim_cur_from_host(r->mc, md, ms);
		if (!r->ns->pil && ms > 8)
			guard = crc16_t10dif(guard, md, ms - 8);
		sim_pi_get(r->ns, md, &pi);
		st = sim_pi_check(r->ns, &r->a, i, &pi, guard);
		if (st != SIM_OK)
			return st;
	}
	sim_cur_init(&r->d, r->d.l);
	sim_cur_init(&r->m, r->m.l);
	return SIM_OK;
}

static uint16_t do_write(struct rw *r)
{
	uint8_t md[SIM_MS_MAX];
	uint32_t ms = r->ns->ms;

	if (r->pi && !r->a.pract && r->a.prchk != 0) {
		uint16_t st = check_host(r);

		if (st != SIM_OK)
			return st;
	}
	if (ms == 0) { /* the blocks are contiguous: one copy */
		sim_cur_from_host(&r->d, blk_data(r, 0), (uint64_t)r->nlb * r->lba);
		return SIM_OK;
	}
	for (uint64_t i = 0; i < r->nlb; i++) {
		uint8_t *data = blk_data(r, i);

		sim_cur_from_host(&r->d, data, r->lba);
		if (r->md_xfer)
			sim_cur_from_host(r->mc, md, ms);
		else
			memset(md, 0, ms);
		if (r->pi && r->a.pract) {
			struct sim_pi pi;

			sim_pi_make(r->ns, &r->a, i, sim_pi_guard(r->ns, data, md), &pi);
			sim_pi_put(r->ns, md, &pi);
		}
		sim_md_store(r->ns, blk_md(r, i), md);
	}
	return SIM_OK;
}

static uint16_t do_read(struct rw *r)
{
	uint8_t md[SIM_MS_MAX];

	if (r->pi && r->a.prchk != 0) {
		uint16_t st = check_medium(r);

		if (st != SIM_OK)
			return st;
	}
	if (r->ns->ms == 0) {
		sim_cur_to_host(&r->d, blk_data(r, 0), (uint64_t)r->nlb * r->lba);
		return SIM_OK;
	}
	for (uint64_t i = 0; i < r->nlb; i++) {
		sim_cur_to_host(&r->d, blk_data(r, i), r->lba);
		if (r->md_xfer) {
			sim_md_load(r->ns, md, blk_md(r, i));
			sim_cur_to_host(r->mc, md, r->ns->ms);
		}
	}
	return SIM_OK;
}

/* Data, and the metadata that crosses the bus, compared; a tuple PRACT strips is not. */
static uint16_t do_compare(struct rw *r)
{
	uint8_t md[SIM_MS_MAX];

	if (r->pi && r->a.prchk != 0) {
		uint16_t st = check_medium(r);

		if (st != SIM_OK)
			return st;
	}
	if (r->ns->ms == 0 &&
	    !sim_cur_equal(&r->d, blk_data(r, 0), (uint64_t)r->nlb * r->lba))
		return sim_status(PNVME_SCT_MEDIA_ERROR, PNVME_SC_COMPARE_FAILURE, true);
	for (uint64_t i = 0; r->ns->ms != 0 && i < r->nlb; i++) {
		bool eq = sim_cur_equal(&r->d, blk_data(r, i), r->lba);

		if (eq && r->md_xfer) {
			sim_md_load(r->ns, md, blk_md(r, i));
			eq = sim_cur_equal(r->mc, md, r->ns->ms);
		}
		if (!eq)
			return sim_status(PNVME_SCT_MEDIA_ERROR, PNVME_SC_COMPARE_FAILURE, true);
	}
	return SIM_OK;
}

uint16_t sim_rw(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, struct sim_ns *ns)
{
	struct rw r;
	uint16_t st = rw_setup(sim, cmd, ns, &r);

	if (st != SIM_OK)
		return st;
	switch (cmd->opc) {
	case PNVME_OPC_WRITE:
		st = do_write(&r);
		break;
	case PNVME_OPC_READ:
		st = do_read(&r);
		break;
	default:
		st = do_compare(&r);
		break;
	}
	if (st == SIM_OK)
		account(sim, cmd->opc, (uint64_t)r.nlb << ns->lba_shift);
	return st;
}

/* The CRC-16 T10-DIF of len zero bytes (0 with this CRC's zero seed, computed all the same). */
static uint16_t crc_zeroes(uint16_t crc, uint64_t len)
{
	static const uint8_t zero[512];

	for (; len > 0; len -= len < sizeof(zero) ? len : sizeof(zero))
		crc = crc16_t10dif(crc, zero, len < sizeof(zero) ? len : sizeof(zero));
	return crc;
}

/*
 * Write Zeroes: data and metadata all zero. On a format with PI the tuple is
 * the controller's when PRACT is set (guard of the zeroes, the command's
 * LBAT and ILBRT), and all zero when it is clear (NVM Command Set, Write
 * Zeroes). PRCHK is not used.
 */
uint16_t sim_write_zeroes(const struct pnvme_cmd *cmd, struct sim_ns *ns)
{
	uint64_t slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
	uint64_t nlb = (cmd->cdw12 & 0xffff) + 1;
	uint16_t st = sim_lba_check(ns, slba, nlb);
	uint8_t md[SIM_MS_MAX];
	struct sim_pi_args a;
	uint16_t guard;

	if (st != SIM_OK)
		return st;
	sim_zero_range(ns->data, slba << ns->lba_shift, nlb << ns->lba_shift);
	if (ns->ms == 0)
		return SIM_OK;
	sim_zero_range(ns->md, slba * ns->ms, nlb * ns->ms);
	if (ns->pi == 0)
		return SIM_OK;
	sim_pi_args(cmd, &a);
	guard = crc_zeroes(0, ((uint64_t)1 << ns->lba_shift) + (ns->pil ? 0 : ns->ms - 8));
	memset(md, 0, sizeof(md));
	for (uint64_t i = 0; i < nlb; i++) {
		struct sim_pi pi = {0, 0, 0};

		if (a.pract)
			sim_pi_make(ns, &a, i, guard, &pi);
		sim_pi_put(ns, md, &pi);
		sim_md_store(ns, ns->md + (slba + i) * ns->ms, md);
	}
	return SIM_OK;
}
