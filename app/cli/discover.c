/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * discover: an NVMe/TCP discovery controller's log page, as nvme-cli's
 * "nvme discover" prints it (its option names, its JSON keys and strings).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ENTRIES 1024

struct disc {
	struct pnvme_discovery_entry *e;
	int n;
};

static void on_entry(void *ctx, const struct pnvme_discovery_entry *e)
{
	struct disc *d = ctx;

	if (d->n < MAX_ENTRIES)
		d->e[d->n++] = *e;
}

static const char *subtype_str(uint8_t v)
{
	switch (v) {
	case 1:
		return "discovery subsystem referral";
	case 2:
		return "nvme subsystem";
	case 3:
		return "current discovery subsystem";
	default:
		return "unrecognized";
	}
}

static void treq_str(uint8_t v, char *out, size_t len)
{
	static const char *const secure[] = {"not specified", "required", "not required",
					     "reserved"};

	snprintf(out, len, "%s%s", secure[v & 3],
		 (v & 4) ? ", sq flow control disable supported" : "");
}

static void eflags_str(uint16_t v, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s", v == 0 ? "none" : "",
		 (v & 1) ? "duplicate discovery information" : "",
		 (v & 1) && (v & 2) ? ", " : "", (v & 2) ? "explicit discovery connections" : "");
}

static const char *sectype_str(uint8_t v)
{
	switch (v) {
	case 0:
		return "none";
	case 1:
		return "tls";
	case 2:
		return "tls13";
	default:
		return "unrecognized";
	}
}

static void print_normal(const struct disc *d)
{
	char treq[64], eflags[80];

	printf("\nDiscovery Log Number of Records %d, Generation counter %llu\n", d->n,
	       d->n ? (unsigned long long)d->e[0].genctr : 0ull);
	for (int i = 0; i < d->n; i++) {
		const struct pnvme_discovery_entry *e = &d->e[i];

		treq_str(e->treq, treq, sizeof(treq));
		eflags_str(e->eflags, eflags, sizeof(eflags));
		printf("=====Discovery Log Entry %d======\n", i);
		printf("trtype:  %s\nadrfam:  %s\nsubtype: %s\ntreq:    %s\nportid:  %u\n"
		       "trsvcid: %s\nsubnqn:  %s\ntraddr:  %s\neflags:  %s\n",
		       e->trtype, e->adrfam, subtype_str(e->subtype), treq, e->portid, e->trsvcid,
		       e->subnqn, e->traddr, eflags);
		if (strcmp(e->trtype, "tcp") == 0)
			printf("sectype: %s\n", sectype_str(e->sectype));
	}
}

static void print_json(const struct disc *d)
{
	struct json_writer w;
	char treq[64], eflags[80];

	json_init(&w, stdout);
	json_object_begin(&w, NULL);
	json_uint(&w, "genctr", d->n ? d->e[0].genctr : 0);
	json_array_begin(&w, "records");
	for (int i = 0; i < d->n; i++) {
		const struct pnvme_discovery_entry *e = &d->e[i];

		treq_str(e->treq, treq, sizeof(treq));
		eflags_str(e->eflags, eflags, sizeof(eflags));
		json_object_begin(&w, NULL);
		json_string(&w, "trtype", e->trtype);
		json_string(&w, "adrfam", e->adrfam);
		json_string(&w, "subtype", subtype_str(e->subtype));
		json_string(&w, "treq", treq);
		json_uint(&w, "portid", e->portid);
		json_string(&w, "trsvcid", e->trsvcid);
		json_string(&w, "subnqn", e->subnqn);
		json_string(&w, "traddr", e->traddr);
		json_string(&w, "eflags", eflags);
		if (strcmp(e->trtype, "tcp") == 0)
			json_string(&w, "sectype", sectype_str(e->sectype));
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
	json_finish(&w);
}

int cmd_discover(struct cli *cli, int argc, char **argv)
{
	const char *transport = NULL, *traddr = NULL, *trsvcid = "8009", *hostnqn = NULL,
		   *hostid = NULL, *nqn = NULL;
	bool hdgst = false, ddgst = false;
	struct cli_opt opts[] = {
		{"transport", 't', OPT_STR, &transport, "transport type: tcp", false},
		{"traddr", 'a', OPT_STR, &traddr, "the discovery controller's IP address", false},
		{"trsvcid", 's', OPT_STR, &trsvcid, "its port (default 8009)", false},
		{"nqn", 'n', OPT_STR, &nqn, "its NQN (default the well-known discovery NQN)",
		 false},
		{"hostnqn", 'q', OPT_STR, &hostnqn, "host NQN (default: pnvme's stable one)", false},
		{"hostid", 'I', OPT_STR, &hostid, "host ID, a uuid", false},
		{"hdr-digest", 'g', OPT_FLAG, &hdgst, "header digests", false},
		{"data-digest", 'G', OPT_FLAG, &ddgst, "data digests", false},
		OPT_END,
	};
	struct disc d = {0};
	char trid[PNVME_TRADDR_MAX + 4 * 300];
	int rc;

	cli->dev_optional = true;
	rc = cli_parse(cli, argc, argv, opts, true, false, "-t tcp -a TRADDR [-s TRSVCID] [options]");
	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli->dev != NULL)
		return cli_fail(cli, "no device: the discovery controller is -t tcp -a ADDR -s SVCID");
	if (transport == NULL || strcmp(transport, "tcp") != 0)
		return cli_fail(cli, "-t/--transport tcp is the one transport with discovery");
	if (traddr == NULL)
		return cli_fail(cli, "-a/--traddr: the discovery controller's address is needed");
	if (cli->fmt == CLI_BINARY)
		return cli_fail(cli, "no binary form for the discovery log");
	snprintf(trid, sizeof(trid), "trtype:tcp traddr:%s trsvcid:%s%s%s%s%s%s%s%s%s", traddr,
		 trsvcid, nqn ? " subnqn:" : "", nqn ? nqn : "", hostnqn ? " hostnqn:" : "",
		 hostnqn ? hostnqn : "", hostid ? " hostid:" : "", hostid ? hostid : "",
		 hdgst ? " hdgst:1" : "", ddgst ? " ddgst:1" : "");
	d.e = calloc(MAX_ENTRIES, sizeof(*d.e));
	if (d.e == NULL)
		return cli_fail(cli, "out of memory");
	rc = pnvme_discover(trid, on_entry, &d);
	if (rc < 0) {
		free(d.e);
		return cli_fail(cli, "discovery at %s port %s failed: %s", traddr, trsvcid,
				strerror(-rc));
	}
	if (cli->fmt == CLI_JSON)
		print_json(&d);
	else
		print_normal(&d);
	free(d.e);
	return 0;
}
