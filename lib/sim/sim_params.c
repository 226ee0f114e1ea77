/* SPDX-License-Identifier: BSD-3-Clause */
/* The sim transport's "key=value" parameters: defaults, parsing, checks. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

enum param_kind {
	P_U32,   /* plain number */
	P_SIZE,  /* number with an optional K/M/G/T suffix (powers of 1024) */
	P_BOOL,  /* 0 or 1 */
	P_READY, /* "never" or a number of ms */
	P_I64,   /* plain number into an int64_t (< 0 by default: not given) */
	P_VERSION, /* MJR.MNR[.TER] into a VS register value */
};

struct param_def {
	const char *key;
	enum param_kind kind;
	size_t off;
	uint64_t min, max;
};

#define F(field) offsetof(struct sim_params, field)

static const struct param_def g_params[] = {
	{"ns", P_U32, F(ns_count), 1, SIM_MAX_NS},
	{"nn", P_U32, F(nn), 1, SIM_MAX_NS},
	{"sanitize_ms", P_U32, F(sanitize_ms), 0, 600000},
	{"selftest_ms", P_U32, F(selftest_ms), 0, 600000},
	{"size", P_SIZE, F(ns_size), 4096, SIM_NS_SIZE_MAX},
	{"lba", P_SIZE, F(lba_size), 512, 65536},
	{"mdts", P_U32, F(mdts), 0, 16},
	{"mqes", P_U32, F(mqes), 1, 65535},
	{"queues", P_U32, F(queues), 1, SIM_MAX_QUEUES},
	{"dstrd", P_U32, F(dstrd), 0, 8},
	{"to", P_U32, F(to), 1, 255},
	{"latency_us", P_U32, F(latency_us), 0, 10000000},
	{"ready_ms", P_U32, F(ready_ms), 0, 60000},
	{"idle_us", P_U32, F(idle_us), 0, 10000000},
	{"noiob", P_U32, F(noiob), 0, 65535},
	{"kas", P_U32, F(kas), 0, 65535},
	{"acl", P_U32, F(acl), 0, 255},
	{"ms", P_U32, F(ms), 0, 64},
	{"mset", P_BOOL, F(mset), 0, 1},
	{"pi", P_U32, F(pi), 0, 3},
	{"pil", P_BOOL, F(pil), 0, 1},
	{"sgl", P_U32, F(sgl), 0, 2},
	{"sgl_bb", P_BOOL, F(sgl_bb), 0, 1},
	{"sgl_mptr", P_BOOL, F(sgl_mptr), 0, 1},
	{"fused", P_BOOL, F(fused), 0, 1},
	{"thread", P_BOOL, F(thread), 0, 1},
	{"dbbuf", P_BOOL, F(dbbuf), 0, 1},
	{"nssr", P_BOOL, F(nssr), 0, 1},
	{"vs", P_VERSION, F(vs), PNVME_VS(1, 0, 0), PNVME_VS(2, 255, 255)},
	{"crto_ms", P_U32, F(crto_ms), 1, 65535u * 500},
	{"rtd3e_us", P_U32, F(rtd3e_us), 0, UINT32_MAX},
	{"shutdown_ms", P_I64, F(shutdown_ms), 0, 600000},
	{"fault_ready", P_READY, F(fault_ready_ms), 0, 600000},
	{"fault_io", P_U32, F(fault_io), 0, 1000000},
	{"fault_bogus", P_U32, F(fault_bogus), 0, 1000000},
};

static void params_default(struct sim_params *p)
{
	*p = (struct sim_params){
		.ns_count = 1,
		.ns_size = 1ull << 30,
		.lba_size = 512,
		.lba_sizes = {512},
		.n_lba_sizes = 1,
		.mdts = 5,
		.sanitize_ms = 200,
		.selftest_ms = 200,
		.mqes = 1023,
		.queues = 16,
		.ready_ms = 5,
		.idle_us = 200,
		.kas = 1,
		.acl = SIM_ACL,
		.vs = PNVME_VS(1, 4, 0),
		.shutdown_ms = -1,
		.thread = true,
		.dbbuf = true,
		.sgl = PNVME_SGLS_BYTE_ALIGNED,
		.sgl_bb = true,
		.sgl_mptr = true,
		.fused = true,
		.fault_ready_ms = -1,
	};
}

/* Decimal or 0x hex, then an optional size suffix; -EINVAL on anything else. */
static int parse_number(const char *s, bool suffix, uint64_t *out)
{
	unsigned shift = 0;
	char *end;
	uint64_t v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0)
		return -EINVAL;
	if (suffix && *end != '\0') {
		const char *sfx = "KMGT";
		const char *hit = strchr(sfx, toupper((unsigned char)*end));

		if (hit == NULL)
			return -EINVAL;
		shift = 10u * (unsigned)(hit - sfx + 1);
		end++;
	}
	if (*end != '\0')
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* lba=SIZE[,SIZE...]: a sector size per namespace. */
static int store_lba_list(const struct param_def *d, const char *val, struct sim_params *p)
{
	char word[32];

	p->n_lba_sizes = 0;
	while (*val != '\0') {
		size_t len = strcspn(val, ",");
		uint64_t v;

		if (len == 0 || len >= sizeof(word) || p->n_lba_sizes == SIM_MAX_NS)
			return -EINVAL;
		memcpy(word, val, len);
		word[len] = '\0';
		if (parse_number(word, true, &v) != 0 || v < d->min || v > d->max)
			return -EINVAL;
		p->lba_sizes[p->n_lba_sizes++] = (uint32_t)v;
		val += len + (val[len] == ',');
	}
	if (p->n_lba_sizes == 0)
		return -EINVAL;
	p->lba_size = p->lba_sizes[0];
	return 0;
}

/* vs=2.0, vs=1.4, vs=1.3.1: each part a plain decimal number. */
static int parse_version(const char *val, uint64_t *out)
{
	unsigned part[3] = {0, 0, 0}, n = 0;

	while (n < 3) {
		char *end;
		unsigned long v;

		if (!isdigit((unsigned char)*val))
			return -EINVAL;
		v = strtoul(val, &end, 10);
		if (v > 255)
			return -EINVAL;
		part[n++] = (unsigned)v;
		val = end;
		if (*val == '\0')
			break;
		if (*val++ != '.')
			return -EINVAL;
	}
	if (n < 2 || *val != '\0')
		return -EINVAL;
	*out = PNVME_VS(part[0], part[1], part[2]);
	return 0;
}

static int param_store(const struct param_def *d, const char *val, struct sim_params *p)
{
	char *base = (char *)p + d->off;
	uint64_t v;

	if (d->off == F(lba_size))
		return store_lba_list(d, val, p);
	if (d->kind == P_VERSION) {
		if (parse_version(val, &v) != 0 || v < d->min || v > d->max)
			return -EINVAL;
		*(uint32_t *)base = (uint32_t)v;
		return 0;
	}
	if (d->kind == P_READY && strcmp(val, "never") == 0) {
		p->never_ready = true;
		return 0;
	}
	if (parse_number(val, d->kind == P_SIZE, &v) != 0 || v < d->min || v > d->max)
		return -EINVAL;
	switch (d->kind) {
	case P_BOOL:
		*(bool *)base = v != 0;
		break;
	case P_READY:
	case P_I64:
		*(int64_t *)base = (int64_t)v;
		break;
	case P_SIZE:
		if (d->off == F(ns_size)) {
			*(uint64_t *)base = v;
			break;
		}
		/* fall through */
	case P_U32:
	case P_VERSION:
		*(uint32_t *)base = (uint32_t)v;
		break;
	}
	return 0;
}

static const struct param_def *param_find(const char *key, size_t len)
{
	for (size_t i = 0; i < sizeof(g_params) / sizeof(g_params[0]); i++) {
		if (strlen(g_params[i].key) == len && strncmp(g_params[i].key, key, len) == 0)
			return &g_params[i];
	}
	return NULL;
}

/* "ns size lba ...": every key, for the message about an unknown one. */
static const char *known_keys(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(g_params) / sizeof(g_params[0]); i++) {
		int n = snprintf(buf + off, len - off, "%s%s", i ? " " : "", g_params[i].key);

		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

static int param_word(const char *name, const char *word, struct sim_params *p)
{
	const char *eq = strchr(word, '=');
	const struct param_def *d;

	if (eq == NULL || eq == word) {
		PNVME_ERRLOG("sim", "%s: parameter '%s' is not key=value", name, word);
		return -EINVAL;
	}
	d = param_find(word, (size_t)(eq - word));
	if (d == NULL) {
		char known[512];

		PNVME_ERRLOG("sim", "%s: unknown parameter '%.*s' (known: %s)", name,
			     (int)(eq - word), word, known_keys(known, sizeof(known)));
		return -EINVAL;
	}
	if (param_store(d, eq + 1, p) != 0) {
		if (d->kind == P_VERSION)
			PNVME_ERRLOG("sim", "%s: bad value '%s' for parameter '%s' (want 1.0..2.x, "
				     "as MJR.MNR[.TER])", name, eq + 1, d->key);
		else
			PNVME_ERRLOG("sim", "%s: bad value '%s' for parameter '%s' (want %s%llu..%llu%s)",
				     name, eq + 1, d->key, d->kind == P_READY ? "'never' or " : "",
				     (unsigned long long)d->min, (unsigned long long)d->max,
				     d->kind == P_SIZE ? ", K/M/G/T suffix allowed" : "");
		return -EINVAL;
	}
	return 0;
}

/* Metadata and protection information: a format a real namespace could have. */
static int metadata_check(const char *name, const struct sim_params *p)
{
	const char *why = NULL;

	if (p->mset && p->ms == 0)
		why = "mset=1 needs metadata (ms=)";
	else if (p->pi != 0 && p->ms < 8)
		why = "pi= needs at least 8 bytes of metadata (ms=8)";
	else if (p->pil && p->pi == 0)
		why = "pil=1 needs protection information (pi=)";
	if (why != NULL) {
		PNVME_ERRLOG("sim", "%s: %s", name, why);
		return -EINVAL;
	}
	return 0;
}

/* Checks that involve more than one parameter. */
static int params_check(const char *name, const struct sim_params *p)
{
	for (uint32_t i = 0; i < p->n_lba_sizes; i++) {
		uint32_t lba = p->lba_sizes[i];

		if (lba & (lba - 1)) {
			PNVME_ERRLOG("sim", "%s: lba=%u is not a power of two", name, lba);
			return -EINVAL;
		}
		if (p->ns_size % lba != 0) {
			PNVME_ERRLOG("sim", "%s: size=%llu is not a multiple of lba=%u", name,
				     (unsigned long long)p->ns_size, lba);
			return -EINVAL;
		}
	}
	if (p->nn != 0 && p->nn < p->ns_count) {
		PNVME_ERRLOG("sim", "%s: nn=%u is below ns=%u (nn is the highest namespace ID)",
			     name, p->nn, p->ns_count);
		return -EINVAL;
	}
	if (p->crto_ms != 0 && PNVME_VS_MJR(p->vs) < 2) {
		PNVME_ERRLOG("sim", "%s: crto_ms= needs vs=2.0 or later (CRTO is an NVMe 2.0 register)",
			     name);
		return -EINVAL;
	}
	return metadata_check(name, p);
}

int sim_params_parse(const char *name, const char *text, struct sim_params *p)
{
	char word[256];
	int rc;

	params_default(p);
	while (text != NULL && *text != '\0') {
		size_t len;

		while (isspace((unsigned char)*text))
			text++;
		for (len = 0; text[len] != '\0' && !isspace((unsigned char)text[len]); len++)
			;
		if (len == 0)
			break;
		if (len >= sizeof(word)) {
			PNVME_ERRLOG("sim", "%s: parameter '%.32s...' is too long", name, text);
			return -EINVAL;
		}
		memcpy(word, text, len);
		word[len] = '\0';
		rc = param_word(name, word, p);
		if (rc != 0)
			return rc;
		text += len;
	}
	rc = params_check(name, p);
	if (rc == 0 && p->nn == 0)
		p->nn = p->ns_count;
	return rc;
}
