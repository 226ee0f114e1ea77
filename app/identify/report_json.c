/* SPDX-License-Identifier: BSD-3-Clause */
/* The --json document: an array of controllers, each with its namespaces. */
#include "identify.h"
#include "json.h"

static void json_ident(struct json_writer *w, const char *key, const char *field, size_t len)
{
	char raw[260];

	if (len >= sizeof(raw))
		len = sizeof(raw) - 1;
	id_ascii_field(raw, field, len);
	json_string(w, key, raw);
}

static void json_bits(struct json_writer *w, const char *key, uint32_t v,
		      const struct id_bit *table)
{
	json_object_begin(w, key);
	json_uint(w, "raw", v);
	for (const struct id_bit *b = table; b->name != NULL; b++)
		json_bool(w, b->key, (v & b->mask) != 0);
	json_object_end(w);
}

static void json_version(struct json_writer *w, const char *key, uint32_t vs)
{
	char buf[32];

	json_object_begin(w, key);
	json_uint(w, "raw", vs);
	if (vs != 0)
		json_string(w, "string", id_version_str(vs, buf, sizeof(buf)));
	else
		json_null(w, "string");
	json_object_end(w);
}

static void json_ctrlr_facts(struct json_writer *w, struct pnvme_ctrlr *c)
{
	const struct pnvme_ctrlr_data *d = pnvme_ctrlr_get_data(c);
	const struct pnvme_trid *trid = pnvme_ctrlr_get_trid(c);
	uint64_t cap = pnvme_ctrlr_get_cap(c), mdts = id_mdts_bytes(c);
	char buf[320];

	json_string(w, "trid", pnvme_trid_str(trid, buf, sizeof(buf)));
	json_string(w, "trtype", trid->trtype);
	json_string(w, "traddr", trid->traddr);
	json_ident(w, "model", d->mn, sizeof(d->mn));
	json_ident(w, "serial", d->sn, sizeof(d->sn));
	json_ident(w, "firmware", d->fr, sizeof(d->fr));
	json_uint(w, "vid", d->vid);
	json_uint(w, "ssvid", d->ssvid);
	json_version(w, "version_vs", pnvme_ctrlr_get_vs(c));
	json_version(w, "version_identify", d->ver);
	json_uint(w, "cntlid", d->cntlid);
	json_ident(w, "subnqn", d->subnqn, sizeof(d->subnqn));
	json_uint(w, "mdts", d->mdts);
	if (mdts != 0)
		json_uint(w, "mdts_bytes", mdts);
	else
		json_null(w, "mdts_bytes"); /* no limit */
	json_uint(w, "max_xfer_size", pnvme_ctrlr_get_max_xfer_size(c));
	json_uint(w, "io_queues", pnvme_ctrlr_get_num_io_queues(c));
	json_uint(w, "max_queue_entries", PNVME_CAP_MQES(cap) + 1u);
	json_uint(w, "ready_timeout_ms", PNVME_CAP_TO(cap) * 500u);
	json_uint(w, "doorbell_stride", 4u << PNVME_CAP_DSTRD(cap));
	json_uint(w, "mps_min", 4096u << PNVME_CAP_MPSMIN(cap));
	json_uint(w, "mps_max", 4096u << PNVME_CAP_MPSMAX(cap));
	json_uint(w, "cap", cap);
	json_uint(w, "nn", pnvme_ctrlr_get_num_ns(c));
	json_uint(w, "active_namespaces", id_num_active_ns(c));
	json_bits(w, "oacs", d->oacs, id_oacs_bits);
	json_bits(w, "oncs", d->oncs, id_oncs_bits);
	json_object_begin(w, "vwc");
	json_uint(w, "raw", d->vwc);
	json_bool(w, "present", (d->vwc & 1) != 0);
	json_string(w, "flush_all", id_vwc_flush_str(d->vwc));
	json_object_end(w);
	json_object_begin(w, "sgl");
	json_uint(w, "raw", d->sgls);
	json_bool(w, "supported", (d->sgls & 3) == 1 || (d->sgls & 3) == 2);
	/* SGLS bits 1:0: 01b no alignment asked of data blocks, 10b dword alignment. */
	json_bool(w, "byte_aligned", (d->sgls & 3) == 1);
	json_bool(w, "dword_aligned", (d->sgls & 3) == 2);
	for (const struct id_bit *b = id_sgls_bits; b->name != NULL; b++)
		json_bool(w, b->key, (d->sgls & b->mask) != 0);
	json_object_end(w);
	json_bits(w, "fuses", d->fuses, id_fuses_bits);
	json_bool(w, "keep_alive", d->kas != 0);
	json_uint(w, "kas_ms", d->kas * 100u);
	json_uint(w, "aerl", d->aerl + 1u);
	json_uint(w, "acl", d->acl + 1u);
	json_bool(w, "shadow_doorbells", pnvme_ctrlr_uses_shadow_doorbells(c));
	json_number_text(w, "tnvmcap", id_u128_str(d->tnvmcap, buf, sizeof(buf)));
	json_number_text(w, "unvmcap", id_u128_str(d->unvmcap, buf, sizeof(buf)));
}

static void json_ns(struct json_writer *w, const struct pnvme_ns *ns)
{
	const struct pnvme_ns_data *nd = pnvme_ns_get_data(ns);
	unsigned in_use = id_lbaf_in_use(nd);
	char buf[64];

	json_object_begin(w, NULL);
	json_uint(w, "nsid", pnvme_ns_get_id(ns));
	json_uint(w, "size_blocks", nd->nsze);
	json_uint(w, "capacity_blocks", nd->ncap);
	json_uint(w, "utilization_blocks", nd->nuse);
	json_uint(w, "sector_size", pnvme_ns_get_sector_size(ns));
	json_uint(w, "metadata_size", in_use <= nd->nlbaf ? nd->lbaf[in_use].ms : 0);
	json_uint(w, "size_bytes", pnvme_ns_get_size(ns));
	json_double(w, "size_gib", (double)pnvme_ns_get_size(ns) / (double)(1ull << 30), 3);
	json_uint(w, "lba_format_in_use", in_use);
	json_uint(w, "flbas", nd->flbas);
	json_bool(w, "metadata_extended", (nd->flbas & PNVME_FLBAS_EXTENDED) != 0);
	json_bits(w, "mc", nd->mc, id_mc_bits);
	json_bits(w, "dpc", nd->dpc, id_dpc_bits);
	json_object_begin(w, "dps");
	json_uint(w, "raw", nd->dps);
	json_uint(w, "pi_type", PNVME_DPS_PI_TYPE(nd->dps));
	json_bool(w, "first", (nd->dps & PNVME_DPS_PI_FIRST) != 0);
	json_object_end(w);
	json_uint(w, "num_lba_formats", nd->nlbaf + 1u);
	json_array_begin(w, "lba_formats");
	for (unsigned i = 0; i <= nd->nlbaf && i < 64; i++) {
		const struct pnvme_lbaf *lf = &nd->lbaf[i];

		json_object_begin(w, NULL);
		json_uint(w, "index", i);
		json_uint(w, "data_size", lf->lbads < 32 ? 1u << lf->lbads : 0);
		json_uint(w, "metadata_size", lf->ms);
		json_uint(w, "relative_performance", lf->rp);
		json_string(w, "performance", id_rp_str(lf->rp));
		json_bool(w, "in_use", i == in_use);
		json_object_end(w);
	}
	json_array_end(w);
	json_uint(w, "noiob", nd->noiob);
	json_number_text(w, "nvmcap", id_u128_str(nd->nvmcap, buf, sizeof(buf)));
	json_string_or_null(w, "nguid", id_hex_id(nd->nguid, sizeof(nd->nguid), buf, sizeof(buf)));
	json_string_or_null(w, "eui64", id_hex_id(nd->eui64, sizeof(nd->eui64), buf, sizeof(buf)));
	json_object_end(w);
}

void id_json_report(FILE *f, struct pnvme_ctrlr **ctrlrs, int n, uint32_t nsid)
{
	struct json_writer w;

	json_init(&w, f);
	json_array_begin(&w, NULL);
	for (int i = 0; i < n; i++) {
		struct pnvme_ctrlr *c = ctrlrs[i];

		json_object_begin(&w, NULL);
		json_ctrlr_facts(&w, c);
		json_array_begin(&w, "namespaces");
		for (uint32_t id = pnvme_ctrlr_get_first_active_ns(c); id != 0;
		     id = pnvme_ctrlr_get_next_active_ns(c, id)) {
			const struct pnvme_ns *ns = pnvme_ctrlr_get_ns(c, id);

			if (ns != NULL && (nsid == 0 || id == nsid))
				json_ns(&w, ns);
		}
		json_array_end(&w);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_finish(&w);
}
