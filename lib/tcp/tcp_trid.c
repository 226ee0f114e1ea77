/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An NVMe/TCP transport ID: "trtype:tcp adrfam:ipv4 traddr:127.0.0.1
 * trsvcid:4420 subnqn:nqn... [hostnqn:...] [hostid:uuid] [hdgst:1] [ddgst:1]".
 * pnvme_trid_parse() keeps the words after traddr in params as key=value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "env/log.h"
#include "tcp.h"

/* The value of key in params ("k=v k=v"), or NULL; len its length. */
static const char *param(const char *params, const char *key, size_t *len)
{
	size_t k = strlen(key);

	for (const char *p = params; *p != '\0';) {
		size_t n = strcspn(p, " ");

		if (n > k && strncasecmp(p, key, k) == 0 && p[k] == '=') {
			*len = n - k - 1;
			return p + k + 1;
		}
		p += n;
		p += strspn(p, " ");
	}
	return NULL;
}

static int bad(const char *what, const char *v, size_t len)
{
	PNVME_ERRLOG("tcp", "transport ID: %s: '%.*s'", what, (int)len, v ? v : "");
	return -EINVAL;
}

/* Every key this transport knows: anything else is a typing error worth saying. */
static int check_keys(const char *params)
{
	static const char *const known[] = {"adrfam", "trsvcid", "subnqn", "hostnqn",
					    "hostid", "hdgst",   "ddgst"};

	for (const char *p = params; *p != '\0';) {
		size_t n = strcspn(p, " "), k = strcspn(p, "=");
		bool ok = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !ok; i++)
			ok = k == strlen(known[i]) && strncasecmp(p, known[i], k) == 0;
		if (!ok)
			return bad("unknown key for trtype tcp", p, n);
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

static int flag(const char *params, const char *key, bool *out)
{
	size_t len;
	const char *v = param(params, key, &len);

	*out = false;
	if (v == NULL)
		return 0;
	if (len == 1 && (v[0] == '0' || v[0] == '1')) {
		*out = v[0] == '1';
		return 0;
	}
	return bad(key[0] == 'h' ? "hdgst must be 0 or 1" : "ddgst must be 0 or 1", v, len);
}

/* A uuid, 8-4-4-4-12 hex digits. */
static int uuid_parse(const char *v, size_t len, uint8_t out[16])
{
	int n = 0;

	if (len != 36)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (v[i] != '-')
				return -EINVAL;
			continue;
		}
		int hi = nvmf_hexval(v[i]), lo = i + 1 < len ? nvmf_hexval(v[i + 1]) : -1;

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return n == 16 ? 0 : -EINVAL;
}

static int nqn(const char *v, size_t len, char *out, const char *what)
{
	if (len == 0 || len > NVMF_NQN_MAX)
		return bad(what, v, len);
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

int nvme_tcp_trid_parse(const struct pnvme_trid *trid, struct nvme_tcp_target *t,
			const char *def_port, const char *def_subnqn)
{
	const char *v;
	size_t len;
	unsigned char addr[sizeof(struct in6_addr)];
	int rc;

	memset(t, 0, sizeof(*t));
	if (strcmp(trid->trtype, "tcp") != 0)
		return bad("trtype is not tcp", trid->trtype, strlen(trid->trtype));
	rc = check_keys(trid->params);
	if (rc != 0)
		return rc;
	t->adrfam = AF_INET;
	v = param(trid->params, "adrfam", &len);
	if (v != NULL) {
		if (len == 4 && strncasecmp(v, "ipv4", 4) == 0)
			t->adrfam = AF_INET;
		else if (len == 4 && strncasecmp(v, "ipv6", 4) == 0)
			t->adrfam = AF_INET6;
		else
			return bad("adrfam must be ipv4 or ipv6", v, len);
	} else if (strchr(trid->traddr, ':') != NULL) {
		t->adrfam = AF_INET6; /* an IPv6 address says so itself */
	}
	if (trid->traddr[0] == '\0')
		return bad("traddr (the target's IP address) is missing", "", 0);
	if (inet_pton(t->adrfam, trid->traddr, addr) != 1)
		return bad(t->adrfam == AF_INET ? "traddr is not a numeric IPv4 address"
						: "traddr is not a numeric IPv6 address",
			   trid->traddr, strlen(trid->traddr));
	snprintf(t->traddr, sizeof(t->traddr), "%s", trid->traddr);

	v = param(trid->params, "trsvcid", &len);
	if (v == NULL) {
		v = def_port;
		len = strlen(def_port);
	}
	char *end;
	char port[8] = "";

	if (len == 0 || len >= sizeof(port))
		return bad("trsvcid must be a port number 1..65535", v, len);
	memcpy(port, v, len);
	long p = strtol(port, &end, 10);

	if (*end != '\0' || p < 1 || p > 65535)
		return bad("trsvcid must be a port number 1..65535", v, len);
	snprintf(t->trsvcid, sizeof(t->trsvcid), "%ld", p);

	v = param(trid->params, "subnqn", &len);
	if (v == NULL && def_subnqn == NULL)
		return bad("subnqn (the subsystem's NQN) is missing", "", 0);
	if (v == NULL) {
		v = def_subnqn;
		len = strlen(v);
	}
	if (nqn(v, len, t->subnqn, "subnqn is empty or longer than 223 characters") != 0)
		return -EINVAL;

	/* The host's identity: the stable default, or what the ID says. */
	if (nvmf_host_identity(NVMF_MACHINE_ID_PATH, t->hostid, t->hostnqn, sizeof(t->hostnqn)) !=
	    0)
		return -EINVAL;
	v = param(trid->params, "hostnqn", &len);
	if (v != NULL &&
	    nqn(v, len, t->hostnqn, "hostnqn is empty or longer than 223 characters") != 0)
		return -EINVAL;
	v = param(trid->params, "hostid", &len);
	if (v != NULL && uuid_parse(v, len, t->hostid) != 0)
		return bad("hostid is not a uuid", v, len);
	if (flag(trid->params, "hdgst", &t->hdgst) != 0 || flag(trid->params, "ddgst", &t->ddgst) != 0)
		return -EINVAL;
	return 0;
}
