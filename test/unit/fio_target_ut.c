/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fio engine's parts without fio: filenames as transport IDs (the forms
 * fio lets through, since it splits on ':'), and the controllers that files,
 * jobs and threads share, reference counted, against software controllers.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "../../app/fio/ctrlrs.c"
#include "../../app/fio/filename.c"
#include "common/test_env.h"

static struct pfio_target g_t;
static char g_err[PFIO_ERR_MAX];

static int parse(const char *name)
{
	g_err[0] = '\0';
	return pfio_filename_parse(name, &g_t, g_err, sizeof(g_err));
}

static void test_pcie_forms(void)
{
	/* SPDK's spelling: '.' for every ':' of the address. */
	CU_ASSERT_EQUAL(parse("trtype=pcie traddr=0000.00.04.0 ns=1"), 0);
	CU_ASSERT_STRING_EQUAL(g_t.trid, "trtype:pcie traddr:0000:00:04.0");
	CU_ASSERT_STRING_EQUAL(g_t.key, "trtype:pcie traddr:0000:00:04.0");
	CU_ASSERT_EQUAL(g_t.nsid, 1);
	/* Without the domain, upper case hex, the usual colons (escaped in fio). */
	CU_ASSERT_EQUAL(parse("trtype=pcie traddr=81.00.0 ns=7"), 0);
	CU_ASSERT_STRING_EQUAL(g_t.key, "trtype:pcie traddr:0000:81:00.0");
	CU_ASSERT_EQUAL(g_t.nsid, 7);
	CU_ASSERT_EQUAL(parse("  trtype=pcie\ttraddr=0000:0A:1f.3  "), 0);
	CU_ASSERT_STRING_EQUAL(g_t.key, "trtype:pcie traddr:0000:0a:1f.3");
	CU_ASSERT_EQUAL(g_t.nsid, 1); /* the default */
}

static void test_sim_forms(void)
{
	CU_ASSERT_EQUAL(parse("trtype=sim ns=1"), 0);
	CU_ASSERT_STRING_EQUAL(g_t.trid, "trtype:sim traddr:" PFIO_SIM_DEFAULT_NAME);
	CU_ASSERT_STRING_EQUAL(g_t.params, "");
	/* nn= is the sim's own ns= (namespaces); ns= is the namespace ID. */
	CU_ASSERT_EQUAL(parse("trtype=sim traddr=a size=64M nn=3 ns=2 lba=4096"), 0);
	CU_ASSERT_STRING_EQUAL(g_t.key, "trtype:sim traddr:a");
	CU_ASSERT_STRING_EQUAL(g_t.params, "size=64M lba=4096 ns=3");
	CU_ASSERT_STRING_EQUAL(g_t.trid, "trtype:sim traddr:a size=64M lba=4096 ns=3");
	CU_ASSERT_EQUAL(g_t.nsid, 2);
}

static void test_tcp_forms(void)
{
	struct pnvme_trid trid;

	/* fio has turned each "\\:" into ':' already. */
	CU_ASSERT_EQUAL(parse("trtype=tcp traddr=127.0.0.1 subnqn=nqn.2014-08.org.example:disk1 ns=2"),
			0);
	CU_ASSERT_STRING_EQUAL(g_t.key, "trtype:tcp traddr:127.0.0.1 trsvcid=4420 "
					"subnqn=nqn.2014-08.org.example:disk1");
	CU_ASSERT_STRING_EQUAL(g_t.params, "");
	CU_ASSERT_STRING_EQUAL(g_t.trid, g_t.key);
	CU_ASSERT_EQUAL(g_t.nsid, 2);
	/* The connection's parameters ride along; the driver reads them back. */
	CU_ASSERT_EQUAL(parse("trtype=tcp adrfam=ipv4 traddr=192.0.2.10 trsvcid=4421 "
			      "subnqn=nqn.x:y hdgst=1 ddgst=1"), 0);
	CU_ASSERT_STRING_EQUAL(g_t.key, "trtype:tcp traddr:192.0.2.10 trsvcid=4421 subnqn=nqn.x:y");
	CU_ASSERT_STRING_EQUAL(g_t.params, "adrfam=ipv4 hdgst=1 ddgst=1");
	CU_ASSERT_EQUAL_FATAL(pnvme_trid_parse(&trid, g_t.trid), 0);
	CU_ASSERT_STRING_EQUAL(trid.trtype, "tcp");
	CU_ASSERT_STRING_EQUAL(trid.traddr, "192.0.2.10");
	CU_ASSERT_PTR_NOT_NULL(strstr(trid.params, "trsvcid=4421"));
	CU_ASSERT_PTR_NOT_NULL(strstr(trid.params, "subnqn=nqn.x:y"));
	CU_ASSERT_PTR_NOT_NULL(strstr(trid.params, "ddgst=1"));
	CU_ASSERT_EQUAL(g_t.nsid, 1);
	/* Keys in any case, as the driver's parser takes them; an '=' inside the NQN. */
	CU_ASSERT_EQUAL(parse("TRTYPE=tcp TRADDR=::1 TRSVCID=4421 SubNQN=nqn.x:a=b NS=3"), 0);
	CU_ASSERT_STRING_EQUAL(g_t.key, "trtype:tcp traddr:::1 trsvcid=4421 subnqn=nqn.x:a=b");
	CU_ASSERT_EQUAL(g_t.nsid, 3);
	CU_ASSERT_EQUAL_FATAL(pnvme_trid_parse(&trid, g_t.trid), 0);
	CU_ASSERT_STRING_EQUAL(trid.traddr, "::1");
	CU_ASSERT_STRING_EQUAL(trid.params, "trsvcid=4421 subnqn=nqn.x:a=b");
}

static void expect_error(const char *name, const char *msg)
{
	CU_ASSERT_EQUAL(parse(name), -EINVAL);
	if (strstr(g_err, msg) == NULL) {
		CU_FAIL("message");
		fprintf(stderr, "'%s': '%s' lacks '%s'\n", name, g_err, msg);
	}
}

static void test_errors(void)
{
	expect_error("", "empty filename");
	expect_error("   ", "empty filename");
	expect_error("ns=1", "no trtype=");
	expect_error("trtype=rdma traddr=1.2.3.4", "trtype=rdma: pnvme knows");
	expect_error("trtype=pcie ns=1", "trtype=pcie needs traddr=");
	expect_error("trtype=pcie traddr=0000.00.04", "is not a PCI address");
	expect_error("trtype=pcie traddr=0000.00.20.0", "is not a PCI address");
	expect_error("trtype=pcie traddr=0000.00.04.0 size=1G", "takes traddr= and ns= only");
	expect_error("trtype=pcie traddr=0000.00.04.0 nn=2", "takes traddr= and ns= only");
	expect_error("trtype=sim ns=0", "ns=0: a namespace ID");
	expect_error("trtype=sim ns=x", "ns=x: a namespace ID");
	expect_error("trtype=sim ns=99999999999", "a namespace ID");
	expect_error("trtype=sim nn=-1", "nn=-1");
	expect_error("trtype=sim 0000.00.04.0", "is not key=value");
	expect_error("trtype=sim size=", "is not key=value");
	expect_error("trtype=sim =1", "is not key=value");
	expect_error("trtype=tcp subnqn=nqn.x:y", "trtype=tcp needs traddr=");
	expect_error("trtype=tcp traddr=127.0.0.1", "trtype=tcp needs subnqn=");
	expect_error("trtype=tcp traddr=127.0.0.1 subnqn=nqn.x:y nn=2", "does not take nn=");
	expect_error("trtype=sim subnqn=nqn.x:y", "are for trtype=tcp");
	expect_error("trtype=pcie traddr=0000.00.04.0 trsvcid=4421", "are for trtype=tcp");
	expect_error("trtype=sim trsvcid=4420", "are for trtype=tcp");
}

static void test_shared_controller(void)
{
	struct pfio_ctrlr *a, *b, *c;
	struct pfio_target t1, t2;
	struct pnvme_ns *ns;

	CU_ASSERT_EQUAL_FATAL(pfio_filename_parse("trtype=sim traddr=fioA nn=2 size=16M ns=1",
						  &t1, g_err, sizeof(g_err)), 0);
	CU_ASSERT_EQUAL_FATAL(pfio_filename_parse("trtype=sim traddr=fioA nn=2 size=16M ns=2",
						  &t2, g_err, sizeof(g_err)), 0);
	CU_ASSERT_EQUAL_FATAL(pfio_ctrlr_get(&t1, NULL, &a, g_err, sizeof(g_err)), 0);
	CU_ASSERT_EQUAL_FATAL(pfio_ctrlr_get(&t2, NULL, &b, g_err, sizeof(g_err)), 0);
	CU_ASSERT_PTR_EQUAL(a, b);
	CU_ASSERT_EQUAL(a->refs, 2);
	CU_ASSERT_EQUAL(pfio_ctrlr_count(), 1);
	ns = pfio_ns_get(a, 2, g_err, sizeof(g_err));
	CU_ASSERT_PTR_NOT_NULL(ns);
	CU_ASSERT_EQUAL(pnvme_ns_get_size(ns), 16u << 20);
	/* A namespace that is not there: a message, no handle. */
	CU_ASSERT_PTR_NULL(pfio_ns_get(a, 3, g_err, sizeof(g_err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(g_err, "no active namespace 3 (NN 2"));
	/* The same controller with other parameters: refused, said so. */
	CU_ASSERT_EQUAL(pfio_filename_parse("trtype=sim traddr=fioA size=32M", &t2, g_err,
					    sizeof(g_err)), 0);
	CU_ASSERT_EQUAL(pfio_ctrlr_get(&t2, NULL, &c, g_err, sizeof(g_err)), -EEXIST);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_err, "attached already with parameters"));
	CU_ASSERT_EQUAL(a->refs, 2);
	/* Without parameters: whatever is attached under that name. */
	CU_ASSERT_EQUAL(pfio_filename_parse("trtype=sim traddr=fioA ns=2", &t2, g_err,
					    sizeof(g_err)), 0);
	CU_ASSERT_EQUAL(pfio_ctrlr_get(&t2, NULL, &c, g_err, sizeof(g_err)), 0);
	CU_ASSERT_PTR_EQUAL(c, a);
	pfio_ctrlr_put(c);
	pfio_ctrlr_put(b);
	CU_ASSERT_EQUAL(pfio_ctrlr_count(), 1);
	CU_ASSERT_EQUAL(a->refs, 1);
	pfio_ctrlr_put(a);
	CU_ASSERT_EQUAL(pfio_ctrlr_count(), 0);
	/* Detached: attaching again makes a fresh controller. */
	CU_ASSERT_EQUAL(pfio_ctrlr_get(&t1, NULL, &a, g_err, sizeof(g_err)), 0);
	CU_ASSERT_EQUAL(pfio_ctrlr_count(), 1);
	pfio_ctrlr_put(a);
	CU_ASSERT_EQUAL(pfio_ctrlr_count(), 0);
}

static void test_attach_failure(void)
{
	struct pfio_ctrlr *c = (struct pfio_ctrlr *)1;

	CU_ASSERT_EQUAL_FATAL(pfio_filename_parse("trtype=sim traddr=fioB lba=777", &g_t, g_err,
						  sizeof(g_err)), 0);
	CU_ASSERT_EQUAL(pfio_ctrlr_get(&g_t, NULL, &c, g_err, sizeof(g_err)), -EINVAL);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_err, "cannot attach 'trtype:sim traddr:fioB lba=777'"));
	CU_ASSERT_EQUAL(pfio_ctrlr_count(), 0);
}

static int setup(void)
{
	test_env_init();
	return 0;
}

int main(void)
{
	static const struct test_case tests[] = {
		{"pcie: '.' for ':', normalised", test_pcie_forms},
		{"sim: nn= and ns=, default name", test_sim_forms},
		{"tcp: the subsystem is the controller, parameters ride along", test_tcp_forms},
		{"bad filenames: a message each", test_errors},
		{"files share a controller, counted", test_shared_controller},
		{"a controller that cannot attach", test_attach_failure},
		{NULL, NULL},
	};

	test_add_suite("fio_target", setup, NULL, tests);
	return test_run_all();
}
