/* SPDX-License-Identifier: BSD-3-Clause */
/* Transport IDs: "trtype:pcie traddr:0000:00:04.0", "trtype:sim ns=2 size=1G". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "env/pci.h"
#include "pnvme/nvme.h"

/* Copy a word of len bytes into dst (size n); -EINVAL if it does not fit. */
static int copy_word(char *dst, size_t n, const char *word, size_t len)
{
	if (len == 0 || len >= n)
		return -EINVAL;
	memcpy(dst, word, len);
	dst[len] = '\0';
	return 0;
}

static int append_param(struct pnvme_trid *trid, const char *word, size_t len)
{
	size_t used = strlen(trid->params);

	if (used + (used ? 1 : 0) + len >= sizeof(trid->params))
		return -EINVAL;
	if (used)
		trid->params[used++] = ' ';
	memcpy(trid->params + used, word, len);
	trid->params[used + len] = '\0';
	return 0;
}

/*
 * A word "key:value" of any other key (fabrics: trsvcid, subnqn, hostnqn...):
 * kept in params as "key=value". The key is letters only, so a PCI address
 * (digits first) is never taken for one. Returns the value's offset or 0.
 */
static size_t colon_key(const char *word, size_t len)
{
	size_t k = 0;

	while (k < len && ((word[k] >= 'a' && word[k] <= 'z') || (word[k] >= 'A' && word[k] <= 'Z')))
		k++;
	return k > 0 && k + 1 < len && word[k] == ':' ? k + 1 : 0;
}

static int append_colon_param(struct pnvme_trid *trid, const char *word, size_t len, size_t off)
{
	char tmp[PNVME_TRPARAMS_MAX];

	if (len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, word, len);
	tmp[off - 1] = '=';
	return append_param(trid, tmp, len);
}

/* Is word "key:" or "key=" followed by a value? Returns the value's offset or 0. */
static size_t key_value(const char *word, size_t len, const char *key)
{
	size_t k = strlen(key);

	if (len > k + 1 && strncasecmp(word, key, k) == 0 && (word[k] == ':' || word[k] == '='))
		return k + 1;
	return 0;
}

int pnvme_trid_parse(struct pnvme_trid *trid, const char *str)
{
	char bdf[32];

	if (trid == NULL || str == NULL)
		return -EINVAL;
	memset(trid, 0, sizeof(*trid));
	for (const char *p = str; *p != '\0';) {
		size_t len, off;
		int rc;

		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (len == 0)
			break;
		if ((off = key_value(p, len, "trtype")) != 0) {
			rc = copy_word(trid->trtype, sizeof(trid->trtype), p + off, len - off);
			for (char *c = trid->trtype; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		} else if ((off = key_value(p, len, "traddr")) != 0) {
			rc = copy_word(trid->traddr, sizeof(trid->traddr), p + off, len - off);
		} else if (trid->trtype[0] == '\0' && trid->traddr[0] == '\0' && len < sizeof(bdf) &&
			   (memcpy(bdf, p, len), bdf[len] = '\0',
			    env_pci_addr_normalize(bdf, trid->traddr, sizeof(trid->traddr)) == 0)) {
			rc = copy_word(trid->trtype, sizeof(trid->trtype), "pcie", 4);
		} else if (memchr(p, '=', len) != NULL) {
			rc = append_param(trid, p, len);
		} else if ((off = colon_key(p, len)) != 0) {
			rc = append_colon_param(trid, p, len, off);
		} else {
			rc = -EINVAL;
		}
		if (rc != 0)
			return -EINVAL;
		p += len;
	}
	if (trid->trtype[0] == '\0')
		return -EINVAL;
	if (strcmp(trid->trtype, "pcie") == 0 && trid->traddr[0] == '\0')
		return -EINVAL;
	return 0;
}

const char *pnvme_trid_str(const struct pnvme_trid *trid, char *buf, size_t len)
{
	snprintf(buf, len, "trtype:%s%s%s%s%s", trid->trtype, trid->traddr[0] ? " traddr:" : "",
		 trid->traddr, trid->params[0] ? " " : "", trid->params);
	return buf;
}
