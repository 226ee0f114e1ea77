/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fio filenames as transport IDs: "trtype=pcie traddr=0000.00.04.0 ns=1",
 * "trtype=tcp traddr=192.0.2.10 trsvcid=4420 subnqn=nqn...:disk1 ns=1" (fio
 * takes "\:" for a ':' inside a filename), "trtype=sim ns=1".
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pnvme_fio.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A positive decimal number that fits in 32 bits. */
static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long n;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || n == 0 || n > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)n;
	return 0;
}

/*
 * A PCI address with '.' between all its fields ("0000.00.04.0", "00.04.0"),
 * or with ':' as usual: the canonical "0000:00:04.0" into out.
 */
static int pci_addr(const char *in, char *out, size_t outlen)
{
	struct pnvme_trid trid;
	char buf[32];
	size_t len = strlen(in);
	int dots = 0;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, in, len + 1);
	for (char *c = buf; *c; c++)
		dots += *c == '.';
	if (strchr(buf, ':') == NULL) {
		/* All but the last '.' separate domain, bus and device. */
		for (char *c = buf; *c && dots > 1; c++) {
			if (*c == '.') {
				*c = ':';
				dots--;
			}
		}
	}
	/* A bare PCI address is validated and normalised by the driver's parser. */
	if (pnvme_trid_parse(&trid, buf) != 0 || strcmp(trid.trtype, "pcie") != 0)
		return -EINVAL;
	if (strlen(trid.traddr) >= outlen)
		return -EINVAL;
	strcpy(out, trid.traddr);
	return 0;
}

static int append(char *dst, size_t size, const char *word)
{
	size_t used = strlen(dst);
	int n = snprintf(dst + used, size - used, "%s%s", used ? " " : "", word);

	return n < 0 || (size_t)n >= size - used ? -EINVAL : 0;
}

int pfio_filename_parse(const char *name, struct pfio_target *t, char *err, size_t errlen)
{
	char trtype[PNVME_TRTYPE_MAX] = "", traddr[PNVME_TRADDR_MAX] = "";
	char trsvcid[8] = "", subnqn[PFIO_NQN_MAX] = "";
	char word[PNVME_TRPARAMS_MAX];
	uint32_t nn = 0;
	int n;

	memset(t, 0, sizeof(*t));
	t->nsid = 1;
	if (name == NULL || name[strspn(name, " \t")] == '\0')
		return fail(err, errlen, "empty filename: give 'trtype=pcie traddr=0000.00.04.0 ns=1', "
					 "'trtype=tcp traddr=IP subnqn=NQN ns=1' or 'trtype=sim ns=1'");
	for (const char *p = name; *p != '\0';) {
		size_t len, klen;
		const char *val;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len == 0)
			break;
		if (len >= sizeof(word))
			return fail(err, errlen, "'%.*s...': word too long", 32, p);
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		klen = strcspn(word, "=:");
		if (word[klen] == '\0' || klen == 0 || word[klen + 1] == '\0')
			return fail(err, errlen, "'%s' is not key=value (keys: trtype, traddr, ns, "
						 "trsvcid and subnqn, and the sim's or tcp's "
						 "parameters)", word);
		val = word + klen + 1;
		word[klen] = '\0';
		if (strcasecmp(word, "trtype") == 0) {
			if (strcmp(val, "pcie") != 0 && strcmp(val, "tcp") != 0 &&
			    strcmp(val, "sim") != 0)
				return fail(err, errlen, "trtype=%s: pnvme knows trtype=pcie, "
							 "trtype=tcp and trtype=sim", val);
			strcpy(trtype, val);
		} else if (strcasecmp(word, "traddr") == 0) {
			if (strlen(val) >= sizeof(traddr))
				return fail(err, errlen, "traddr=%s: too long", val);
			strcpy(traddr, val);
		} else if (strcasecmp(word, "trsvcid") == 0) {
			if (strlen(val) >= sizeof(trsvcid))
				return fail(err, errlen, "trsvcid=%s: a port number 1..65535", val);
			strcpy(trsvcid, val);
		} else if (strcasecmp(word, "subnqn") == 0) {
			if (strlen(val) >= sizeof(subnqn))
				return fail(err, errlen, "subnqn=%s: an NQN has at most 223 bytes", val);
			strcpy(subnqn, val);
		} else if (strcasecmp(word, "ns") == 0) {
			if (parse_u32(val, &t->nsid) != 0)
				return fail(err, errlen, "ns=%s: a namespace ID is a number from 1",
					    val);
		} else if (strcasecmp(word, "nn") == 0) {
			if (parse_u32(val, &nn) != 0)
				return fail(err, errlen, "nn=%s: a number of namespaces from 1", val);
		} else {
			word[klen] = '=';
			if (append(t->params, sizeof(t->params), word) != 0)
				return fail(err, errlen, "too many parameters");
		}
	}
	if (trtype[0] == '\0')
		return fail(err, errlen, "no trtype= (pcie, tcp or sim)");
	if (strcmp(trtype, "tcp") != 0 && (trsvcid[0] != '\0' || subnqn[0] != '\0'))
		return fail(err, errlen, "trsvcid= and subnqn= are for trtype=tcp");
	if (strcmp(trtype, "tcp") == 0) {
		/* The library checks the address, port and parameters when it connects. */
		if (traddr[0] == '\0')
			return fail(err, errlen, "trtype=tcp needs traddr= (an IP address)");
		if (subnqn[0] == '\0')
			return fail(err, errlen, "trtype=tcp needs subnqn= (the subsystem's NQN; "
						 "write each ':' in it as '\\:' for fio)");
		if (nn != 0)
			return fail(err, errlen, "trtype=tcp does not take nn= (that is the sim's)");
		/*
		 * One controller: the subsystem at that address and port. The NQN
		 * after '=': pnvme_trid_parse() splits a word at its first '='.
		 */
		n = snprintf(t->key, sizeof(t->key), "trtype:tcp traddr:%s trsvcid=%s subnqn=%s",
			     traddr, trsvcid[0] ? trsvcid : "4420", subnqn);
		if (n < 0 || (size_t)n >= sizeof(t->key))
			return fail(err, errlen, "transport ID too long");
		goto trid;
	}
	if (strcmp(trtype, "pcie") == 0) {
		char bdf[PNVME_TRADDR_MAX];

		if (traddr[0] == '\0')
			return fail(err, errlen, "trtype=pcie needs traddr= (0000.00.04.0)");
		if (pci_addr(traddr, bdf, sizeof(bdf)) != 0)
			return fail(err, errlen, "traddr=%s is not a PCI address "
						 "(DDDD.BB.DD.F, '.' for ':')", traddr);
		if (nn != 0 || t->params[0] != '\0')
			return fail(err, errlen, "trtype=pcie takes traddr= and ns= only, not '%s'",
				    nn ? "nn" : t->params);
		strcpy(traddr, bdf);
	} else {
		char nnw[32];

		if (traddr[0] == '\0')
			strcpy(traddr, PFIO_SIM_DEFAULT_NAME);
		if (nn != 0) {
			snprintf(nnw, sizeof(nnw), "ns=%u", nn);
			if (append(t->params, sizeof(t->params), nnw) != 0)
				return fail(err, errlen, "too many parameters");
		}
	}
	n = snprintf(t->key, sizeof(t->key), "trtype:%s traddr:%s", trtype, traddr);
	if (n < 0 || (size_t)n >= sizeof(t->key))
		return fail(err, errlen, "transport ID too long");
trid:
	n = snprintf(t->trid, sizeof(t->trid), "%s%s%s", t->key, t->params[0] ? " " : "",
		     t->params);
	if (n < 0 || (size_t)n >= sizeof(t->trid))
		return fail(err, errlen, "transport ID too long");
	return 0;
}
