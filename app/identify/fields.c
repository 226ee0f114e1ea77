/* SPDX-License-Identifier: BSD-3-Clause */
/* Decoding Identify fields into words and numbers, shared by both renderers. */
#include <string.h>

#include "identify.h"

const struct id_bit id_oacs_bits[] = {
	{1u << 0, "security send/receive", "security"},
	{1u << 1, "format NVM", "format_nvm"},
	{1u << 2, "firmware download/commit", "firmware"},
	{1u << 3, "namespace management", "namespace_management"},
	{1u << 4, "device self-test", "device_self_test"},
	{1u << 5, "directives", "directives"},
	{1u << 6, "NVMe-MI send/receive", "nvme_mi"},
	{1u << 7, "virtualization management", "virtualization_management"},
	{1u << 8, "doorbell buffer config", "doorbell_buffer_config"},
	{1u << 9, "get LBA status", "get_lba_status"},
	{1u << 10, "command and feature lockdown", "lockdown"},
	{0, NULL, NULL},
};

const struct id_bit id_oncs_bits[] = {
	{1u << 0, "compare", "compare"},
	{1u << 1, "write uncorrectable", "write_uncorrectable"},
	{1u << 2, "dataset management", "dataset_management"},
	{1u << 3, "write zeroes", "write_zeroes"},
	{1u << 4, "save/select in features", "save_select"},
	{1u << 5, "reservations", "reservations"},
	{1u << 6, "timestamp", "timestamp"},
	{1u << 7, "verify", "verify"},
	{1u << 8, "copy", "copy"},
	{0, NULL, NULL},
};

/* SGLS bits past the support field (bits 1:0). */
const struct id_bit id_sgls_bits[] = {
	{1u << 2, "keyed SGL data block", "keyed_data_block"},
	{1u << 16, "bit bucket", "bit_bucket"},
	{1u << 17, "byte-aligned contiguous metadata", "byte_aligned_metadata"},
	{1u << 18, "SGL longer than data", "longer_than_data"},
	{1u << 19, "MPTR as an SGL", "mptr_sgl"},
	{1u << 20, "address as offset", "address_as_offset"},
	{1u << 21, "transport SGL data block", "transport_data_block"},
	{0, NULL, NULL},
};

const struct id_bit id_fuses_bits[] = {
	{1u << 0, "compare and write", "compare_and_write"},
	{0, NULL, NULL},
};

/* Identify Namespace MC: where metadata may go. */
const struct id_bit id_mc_bits[] = {
	{PNVME_MC_EXTENDED, "extended LBA", "extended"},
	{PNVME_MC_SEPARATE, "separate buffer", "separate"},
	{0, NULL, NULL},
};

/* Identify Namespace DPC: which protection the namespace can be formatted with. */
const struct id_bit id_dpc_bits[] = {
	{PNVME_DPC_TYPE1, "type 1", "type1"},
	{PNVME_DPC_TYPE2, "type 2", "type2"},
	{PNVME_DPC_TYPE3, "type 3", "type3"},
	{PNVME_DPC_FIRST, "first 8 bytes of metadata", "first"},
	{PNVME_DPC_LAST, "last 8 bytes of metadata", "last"},
	{0, NULL, NULL},
};

void id_ascii_field(char *out, const char *field, size_t len)
{
	size_t start = 0, end;

	end = strnlen(field, len);
	while (start < end && field[start] == ' ')
		start++;
	while (end > start && field[end - 1] == ' ')
		end--;
	memcpy(out, field + start, end - start);
	out[end - start] = '\0';
}

void id_printable(char *out, size_t out_len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			if (o + 1 >= out_len)
				break;
			out[o++] = (char)ch;
		} else {
			if (o + 4 >= out_len)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 0xf];
		}
	}
	out[o] = '\0';
}

const char *id_version_str(uint32_t vs, char *buf, size_t len)
{
	if (vs == 0)
		snprintf(buf, len, "not reported");
	else
		snprintf(buf, len, "%u.%u.%u", PNVME_VS_MJR(vs), PNVME_VS_MNR(vs), vs & 0xff);
	return buf;
}

const char *id_u128_str(const uint8_t v[16], char *buf, size_t len)
{
	uint8_t n[16];
	char digits[48];
	size_t nd = 0;
	bool zero;

	memcpy(n, v, sizeof(n));
	/* Long division by 10, most significant byte (15) first. */
	do {
		unsigned rem = 0;

		zero = true;
		for (int i = 15; i >= 0; i--) {
			unsigned cur = (rem << 8) | n[i];

			n[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			if (n[i] != 0)
				zero = false;
		}
		digits[nd++] = (char)('0' + rem);
	} while (!zero);
	if (len == 0)
		return buf;
	for (size_t i = 0; i < nd && i + 1 < len; i++)
		buf[i] = digits[nd - 1 - i];
	buf[nd < len ? nd : len - 1] = '\0';
	return buf;
}

const char *id_hex_id(const uint8_t *v, size_t n, char *buf, size_t len)
{
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any = any || v[i] != 0;
	if (!any || len < 2 * n + 1)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", v[i]);
	return buf;
}

const char *id_rp_str(unsigned rp)
{
	static const char *const names[] = {"best", "better", "good", "degraded"};

	return names[rp & 3];
}

const char *id_sgl_support_str(uint32_t sgls)
{
	/* 01b: no alignment or granularity asked of data blocks; 10b: dword alignment. */
	switch (sgls & 3) {
	case 0:
		return "not supported";
	case 1:
		return "supported, byte-aligned data blocks";
	case 2:
		return "supported, dword-aligned data blocks";
	default:
		return "reserved value";
	}
}

unsigned id_lbaf_in_use(const struct pnvme_ns_data *nd)
{
	/* PNVME_FLBAS_FORMAT takes NVMe 2.0's bits 6:5 (reserved, so 0, before). */
	return PNVME_FLBAS_FORMAT(nd->flbas);
}

const char *id_pi_in_use_str(uint8_t dps, char *buf, size_t len)
{
	unsigned type = PNVME_DPS_PI_TYPE(dps);

	if (type == 0)
		snprintf(buf, len, "none");
	else if (type <= 3)
		snprintf(buf, len, "type %u, in the %s 8 bytes of metadata", type,
			 (dps & PNVME_DPS_PI_FIRST) ? "first" : "last");
	else
		snprintf(buf, len, "reserved type %u", type);
	return buf;
}

const char *id_vwc_flush_str(uint8_t vwc)
{
	switch ((vwc >> 1) & 3) {
	case 0:
		return "not reported";
	case 2:
		return "not supported";
	case 3:
		return "supported";
	default:
		return "reserved value";
	}
}

const char *id_bytes_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	unsigned u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes >= (1024ull << (10 * u)))
		u++;
	if (u == 0)
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	else if (bytes % (1ull << (10 * u)) == 0)
		snprintf(buf, len, "%llu %s", (unsigned long long)(bytes >> (10 * u)), units[u]);
	else
		snprintf(buf, len, "%.2f %s", (double)bytes / (double)(1ull << (10 * u)), units[u]);
	return buf;
}

uint64_t id_mdts_bytes(const struct pnvme_ctrlr *ctrlr)
{
	const struct pnvme_ctrlr_data *d = pnvme_ctrlr_get_data(ctrlr);
	unsigned shift = 12 + PNVME_CAP_MPSMIN(pnvme_ctrlr_get_cap(ctrlr)) + d->mdts;

	if (d->mdts == 0 || shift > 63)
		return 0;
	return 1ull << shift;
}

uint32_t id_num_active_ns(const struct pnvme_ctrlr *ctrlr)
{
	uint32_t n = 0;

	for (uint32_t id = pnvme_ctrlr_get_first_active_ns(ctrlr); id != 0;
	     id = pnvme_ctrlr_get_next_active_ns(ctrlr, id))
		n++;
	return n;
}
