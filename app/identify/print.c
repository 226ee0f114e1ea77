/* SPDX-License-Identifier: BSD-3-Clause */
/* The human summary: one block per controller, then one per namespace. */
#include <string.h>

#include "identify.h"

#define LABEL "  %-24s"

#define VALUE_COLUMN 26 /* where LABEL leaves the cursor */
#define WRAP_COLUMN 100

/*
 * "compare, write zeroes" for the bits of table set (want true) or clear in v,
 * wrapped under the value column; col is the cursor's column. Returns the column.
 */
static int bit_list(FILE *f, const struct id_bit *table, uint32_t v, bool want, int col)
{
	bool first = true;

	for (const struct id_bit *b = table; b->name != NULL; b++) {
		int len = (int)strlen(b->name);

		if (((v & b->mask) != 0) != want)
			continue;
		if (!first) {
			fputc(',', f);
			col++;
			if (col + 2 + len > WRAP_COLUMN) /* room for the next comma */ {
				col = fprintf(f, "\n%*s", VALUE_COLUMN, "") - 1;
			} else {
				fputc(' ', f);
				col++;
			}
		}
		col += fprintf(f, "%s", b->name);
		first = false;
	}
	if (first)
		col += fprintf(f, "none");
	return col;
}

static uint32_t known_mask(const struct id_bit *table)
{
	uint32_t m = 0;

	for (const struct id_bit *b = table; b->name != NULL; b++)
		m |= b->mask;
	return m;
}

/* Supported features on one line, the ones missing on the next. */
static void print_bits(FILE *f, const char *label, const char *field, uint32_t v,
		       const struct id_bit *table)
{
	char head[64];
	uint32_t other = v & ~known_mask(table);

	snprintf(head, sizeof(head), "%s (%s 0x%04x)", label, field, v);
	fprintf(f, "  %s\n", head);
	fprintf(f, LABEL, "  supported");
	bit_list(f, table, v, true, VALUE_COLUMN);
	if (other != 0)
		fprintf(f, "; other bits 0x%x", other);
	fprintf(f, "\n" LABEL, "  not supported");
	bit_list(f, table, v, false, VALUE_COLUMN);
	fputc('\n', f);
}

static void print_ident(FILE *f, const char *label, const char *field, size_t len)
{
	char raw[260], shown[1040];

	if (len >= sizeof(raw))
		len = sizeof(raw) - 1;
	id_ascii_field(raw, field, len);
	id_printable(shown, sizeof(shown), raw);
	fprintf(f, LABEL "%s\n", label, shown[0] != '\0' ? shown : "(empty)");
}

static void print_ctrlr_facts(FILE *f, struct pnvme_ctrlr *c)
{
	const struct pnvme_ctrlr_data *d = pnvme_ctrlr_get_data(c);
	uint64_t cap = pnvme_ctrlr_get_cap(c), mdts = id_mdts_bytes(c);
	uint32_t max_xfer = pnvme_ctrlr_get_max_xfer_size(c);
	char buf[320], buf2[64];
	int col;

	fprintf(f, "Controller %s\n", pnvme_trid_str(pnvme_ctrlr_get_trid(c), buf, sizeof(buf)));
	print_ident(f, "Model number", d->mn, sizeof(d->mn));
	print_ident(f, "Serial number", d->sn, sizeof(d->sn));
	print_ident(f, "Firmware revision", d->fr, sizeof(d->fr));
	fprintf(f, LABEL "0x%04x, subsystem vendor 0x%04x\n", "PCI vendor ID", d->vid, d->ssvid);
	fprintf(f, LABEL "%s (VS register), ", "NVMe version",
		id_version_str(pnvme_ctrlr_get_vs(c), buf, sizeof(buf)));
	fprintf(f, "%s (Identify VER)\n", id_version_str(d->ver, buf, sizeof(buf)));
	fprintf(f, LABEL "%u (0x%04x)\n", "Controller ID", d->cntlid, d->cntlid);
	print_ident(f, "Subsystem NQN", d->subnqn, sizeof(d->subnqn));
	if (mdts == 0)
		fprintf(f, LABEL "no limit (MDTS 0)", "Max data transfer");
	else
		fprintf(f, LABEL "%s (MDTS %u: %llu bytes)", "Max data transfer",
			id_bytes_str(mdts, buf, sizeof(buf)), d->mdts, (unsigned long long)mdts);
	fprintf(f, "; driver's max transfer %s\n", id_bytes_str(max_xfer, buf2, sizeof(buf2)));
	fprintf(f, LABEL "%u\n", "I/O queues granted", pnvme_ctrlr_get_num_io_queues(c));
	fprintf(f, LABEL "%u (CAP.MQES + 1)\n", "Max queue entries", PNVME_CAP_MQES(cap) + 1);
	fprintf(f, LABEL "%u ms (CAP.TO %u)\n", "Ready timeout", PNVME_CAP_TO(cap) * 500,
		PNVME_CAP_TO(cap));
	fprintf(f, LABEL "%u bytes (CAP.DSTRD %u)\n", "Doorbell stride",
		4u << PNVME_CAP_DSTRD(cap), PNVME_CAP_DSTRD(cap));
	fprintf(f, LABEL "%u KiB to %u KiB (CAP.MPSMIN/MPSMAX)\n", "Memory page size",
		4u << PNVME_CAP_MPSMIN(cap), 4u << PNVME_CAP_MPSMAX(cap));
	fprintf(f, LABEL "%u (NN), %u active\n", "Namespaces", pnvme_ctrlr_get_num_ns(c),
		id_num_active_ns(c));
	print_bits(f, "Optional admin commands", "OACS", d->oacs, id_oacs_bits);
	print_bits(f, "Optional NVM commands", "ONCS", d->oncs, id_oncs_bits);
	if (d->vwc & 1)
		fprintf(f, LABEL "present; flush of all namespaces %s (VWC 0x%02x)\n",
			"Volatile write cache", id_vwc_flush_str(d->vwc), d->vwc);
	else
		fprintf(f, LABEL "none (VWC 0x%02x)\n", "Volatile write cache", d->vwc);
	fprintf(f, LABEL "%s (SGLS 0x%08x)\n", "SGL", id_sgl_support_str(d->sgls), d->sgls);
	if (d->sgls & 3) {
		uint32_t other = d->sgls & ~3u & ~known_mask(id_sgls_bits);

		fprintf(f, LABEL, "  supported");
		bit_list(f, id_sgls_bits, d->sgls, true, VALUE_COLUMN);
		if (other != 0)
			fprintf(f, "; other bits 0x%x", other);
		fprintf(f, "\n" LABEL, "  not supported");
		bit_list(f, id_sgls_bits, d->sgls, false, VALUE_COLUMN);
		fputc('\n', f);
	}
	col = fprintf(f, LABEL, "Fused operations");
	bit_list(f, id_fuses_bits, d->fuses, true, col);
	fprintf(f, " (FUSES 0x%04x)\n", d->fuses);
	if (d->kas != 0)
		fprintf(f, LABEL "supported, %u ms granularity (KAS %u)\n", "Keep alive",
			d->kas * 100u, d->kas);
	else
		fprintf(f, LABEL "not supported (KAS 0)\n", "Keep alive");
	fprintf(f, LABEL "%u (AERL + 1)\n", "Async event requests", d->aerl + 1u);
	fprintf(f, LABEL "%u (ACL + 1)\n", "Abort command limit", d->acl + 1u);
	fprintf(f, LABEL "%s\n", "Shadow doorbells",
		pnvme_ctrlr_uses_shadow_doorbells(c) ? "in use" : "not in use");
}

/* "label   a, b (FIELD 0x..)": the bits of table set in v, "none" when there are none. */
static void print_bit_line(FILE *f, const char *label, const char *field, uint32_t v,
			   const struct id_bit *table)
{
	uint32_t other = v & ~known_mask(table);

	fprintf(f, LABEL, label);
	bit_list(f, table, v, true, VALUE_COLUMN);
	if (other != 0)
		fprintf(f, "; other bits 0x%x", other);
	fprintf(f, " (%s 0x%02x)\n", field, v);
}

/* Metadata and end-to-end protection: the format in use, and what the namespace can do. */
static void print_ns_metadata(FILE *f, const struct pnvme_ns_data *nd, unsigned in_use)
{
	unsigned ms = in_use <= nd->nlbaf && in_use < 64 ? nd->lbaf[in_use].ms : 0;
	char buf[96];

	if (ms == 0)
		fprintf(f, LABEL "none (FLBAS 0x%02x)\n", "Metadata", nd->flbas);
	else
		fprintf(f, LABEL "%u bytes per block, %s (FLBAS 0x%02x)\n", "Metadata", ms,
			(nd->flbas & PNVME_FLBAS_EXTENDED) ? "extended LBA: after each block's data"
							    : "in a separate buffer",
			nd->flbas);
	print_bit_line(f, "Metadata capabilities", "MC", nd->mc, id_mc_bits);
	print_bit_line(f, "PI capabilities", "DPC", nd->dpc, id_dpc_bits);
	fprintf(f, LABEL "%s (DPS 0x%02x)\n", "PI in use",
		id_pi_in_use_str(nd->dps, buf, sizeof(buf)), nd->dps);
}

static void print_ns(FILE *f, const struct pnvme_ns *ns)
{
	const struct pnvme_ns_data *nd = pnvme_ns_get_data(ns);
	unsigned in_use = id_lbaf_in_use(nd);
	uint32_t sector = pnvme_ns_get_sector_size(ns);
	char buf[64];

	fprintf(f, "Namespace %u\n", pnvme_ns_get_id(ns));
	fprintf(f, LABEL "%llu blocks of %u bytes = %.2f GiB (%llu bytes)\n", "Size",
		(unsigned long long)nd->nsze, sector,
		(double)pnvme_ns_get_size(ns) / (double)(1ull << 30),
		(unsigned long long)pnvme_ns_get_size(ns));
	fprintf(f, LABEL "%llu blocks, %llu in use", "Capacity", (unsigned long long)nd->ncap,
		(unsigned long long)nd->nuse);
	if (nd->ncap != 0)
		fprintf(f, " (%.1f%%)", 100.0 * (double)nd->nuse / (double)nd->ncap);
	fputc('\n', f);
	fprintf(f, LABEL "%u (NLBAF %u)\n", "LBA formats", nd->nlbaf + 1u, nd->nlbaf);
	for (unsigned i = 0; i <= nd->nlbaf && i < 64; i++) {
		const struct pnvme_lbaf *lf = &nd->lbaf[i];

		fprintf(f, "    #%-2u data %u bytes, metadata %u bytes, performance %s%s\n", i,
			lf->lbads < 32 ? 1u << lf->lbads : 0, lf->ms, id_rp_str(lf->rp),
			i == in_use ? " (in use)" : "");
	}
	print_ns_metadata(f, nd, in_use);
	if (nd->noiob != 0)
		fprintf(f, LABEL "%u blocks (%s)\n", "Optimal I/O boundary", nd->noiob,
			id_bytes_str((uint64_t)nd->noiob * sector, buf, sizeof(buf)));
	else
		fprintf(f, LABEL "none\n", "Optimal I/O boundary");
	if (id_hex_id(nd->nguid, sizeof(nd->nguid), buf, sizeof(buf)) != NULL)
		fprintf(f, LABEL "%s\n", "NGUID", buf);
	if (id_hex_id(nd->eui64, sizeof(nd->eui64), buf, sizeof(buf)) != NULL)
		fprintf(f, LABEL "%s\n", "EUI64", buf);
}

void id_print_ctrlr(FILE *f, struct pnvme_ctrlr *c, uint32_t nsid)
{
	print_ctrlr_facts(f, c);
	for (uint32_t id = pnvme_ctrlr_get_first_active_ns(c); id != 0;
	     id = pnvme_ctrlr_get_next_active_ns(c, id)) {
		struct pnvme_ns *ns = pnvme_ctrlr_get_ns(c, id);

		if (ns == NULL || (nsid != 0 && id != nsid))
			continue;
		fputc('\n', f);
		print_ns(f, ns);
	}
}
