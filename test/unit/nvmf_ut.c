/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe over Fabrics helpers (lib/tcp/fabrics.c): Connect and Property Get/Set
 * SQEs checked byte by byte at the offsets of the specification, Connect data,
 * the SGL descriptors, the host identity, the Discovery log page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "tcp/nvmf.h"

static uint32_t le32_at(const void *p, size_t off)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)p + off, 4);
	return v;
}

static uint16_t le16_at(const void *p, size_t off)
{
	uint16_t v;

	memcpy(&v, (const uint8_t *)p + off, 2);
	return v;
}

static void test_connect_cmd(void)
{
	struct pnvme_cmd cmd;
	const uint8_t *b = (const uint8_t *)&cmd;

	memset(&cmd, 0xff, sizeof(cmd));
	nvmf_connect_cmd(&cmd, 0, 32, 120000);
	CU_ASSERT_EQUAL(b[0], 0x7f);
	CU_ASSERT_EQUAL(b[4], 0x01);
	CU_ASSERT_EQUAL(le16_at(b, 40), 0);	 /* RECFMT */
	CU_ASSERT_EQUAL(le16_at(b, 42), 0);	 /* QID */
	CU_ASSERT_EQUAL(le16_at(b, 44), 31);	 /* SQSIZE, 0's based */
	CU_ASSERT_EQUAL(b[46], 0);		 /* CATTR */
	CU_ASSERT_EQUAL(le32_at(b, 48), 120000); /* KATO */
	for (int i = 52; i < 64; i++)
		CU_ASSERT_EQUAL(b[i], 0);
	nvmf_connect_cmd(&cmd, 3, 128, 120000);
	CU_ASSERT_EQUAL(le16_at(b, 42), 3);
	CU_ASSERT_EQUAL(le16_at(b, 44), 127);
	CU_ASSERT_EQUAL(le32_at(b, 48), 0); /* KATO is the admin queue's */
	/* The transport's SGL: in-capsule connect data, 1024 bytes at offset 0. */
	nvmf_sgl_incapsule(&cmd, sizeof(struct nvmf_connect_data));
	CU_ASSERT_EQUAL(b[1] >> 6, 1); /* PSDT 01b: SGL */
	CU_ASSERT_EQUAL(le32_at(b, 24), 0);
	CU_ASSERT_EQUAL(le32_at(b, 28), 0);
	CU_ASSERT_EQUAL(le32_at(b, 32), 1024);
	CU_ASSERT_EQUAL(b[39], 0x01); /* Data Block, Offset */
	nvmf_sgl_transport(&cmd, 65536);
	CU_ASSERT_EQUAL(le32_at(b, 32), 65536);
	CU_ASSERT_EQUAL(b[39], 0x5a); /* Transport Data Block, transport specific A */
}

static void test_connect_data(void)
{
	struct nvmf_connect_data d;
	const uint8_t *b = (const uint8_t *)&d;
	uint8_t hostid[16];
	char longnqn[300];

	for (int i = 0; i < 16; i++)
		hostid[i] = (uint8_t)(0xa0 + i);
	CU_ASSERT_EQUAL(nvmf_connect_data(&d, hostid, 0xffff, "nqn.2024-01.io.example:sub",
					  "nqn.2014-08.org.nvmexpress:uuid:x"),
			0);
	CU_ASSERT_EQUAL(memcmp(b, hostid, 16), 0);
	CU_ASSERT_EQUAL(le16_at(b, 16), 0xffff);
	CU_ASSERT_STRING_EQUAL((const char *)b + 256, "nqn.2024-01.io.example:sub");
	CU_ASSERT_STRING_EQUAL((const char *)b + 512, "nqn.2014-08.org.nvmexpress:uuid:x");
	CU_ASSERT_EQUAL(b[256 + 255], 0);
	for (int i = 768; i < 1024; i++)
		CU_ASSERT_EQUAL(b[i], 0);
	/* 223 characters is the limit; 224 and empty are refused. */
	memset(longnqn, 'a', sizeof(longnqn));
	longnqn[223] = '\0';
	CU_ASSERT_EQUAL(nvmf_connect_data(&d, hostid, 1, longnqn, "h"), 0);
	longnqn[223] = 'a';
	longnqn[224] = '\0';
	CU_ASSERT_EQUAL(nvmf_connect_data(&d, hostid, 1, longnqn, "h"), -EINVAL);
	CU_ASSERT_EQUAL(nvmf_connect_data(&d, hostid, 1, "s", ""), -EINVAL);
	CU_ASSERT_EQUAL(nvmf_connect_data(&d, hostid, 1, NULL, "h"), -EINVAL);
	/* The response: CNTLID in DW0's low half. */
	struct pnvme_cpl cpl = {.cdw0 = 0xabcd0042};

	CU_ASSERT_EQUAL(nvmf_connect_rsp_cntlid(&cpl), 0x42);
}

static void test_property(void)
{
	struct pnvme_cmd cmd;
	const uint8_t *b = (const uint8_t *)&cmd;
	struct pnvme_cpl cpl = {.cdw0 = 0x89abcdef, .cdw1 = 0x01234567};

	memset(&cmd, 0xff, sizeof(cmd));
	nvmf_property_get_cmd(&cmd, PNVME_REG_CAP);
	CU_ASSERT_EQUAL(b[0], 0x7f);
	CU_ASSERT_EQUAL(b[4], 0x04);
	CU_ASSERT_EQUAL(b[40], 1); /* 8 bytes */
	CU_ASSERT_EQUAL(le32_at(b, 44), 0);
	nvmf_property_get_cmd(&cmd, PNVME_REG_CSTS);
	CU_ASSERT_EQUAL(b[40], 0);
	CU_ASSERT_EQUAL(le32_at(b, 44), 0x1c);
	nvmf_property_set_cmd(&cmd, PNVME_REG_CC, 0x1234567800460001ull);
	CU_ASSERT_EQUAL(b[4], 0x00);
	CU_ASSERT_EQUAL(b[40], 0);
	CU_ASSERT_EQUAL(le32_at(b, 44), 0x14);
	CU_ASSERT_EQUAL(le32_at(b, 48), 0x00460001); /* 4 bytes: the upper half is not sent */
	CU_ASSERT_EQUAL(le32_at(b, 52), 0);
	CU_ASSERT_EQUAL(nvmf_property_size(PNVME_REG_CAP), 8);
	CU_ASSERT_EQUAL(nvmf_property_size(PNVME_REG_VS), 4);
	CU_ASSERT_EQUAL(nvmf_property_get_value(&cpl), 0x0123456789abcdefull);
}

static void test_host_identity(void)
{
	char path[] = "/tmp/nvmf_ut_machine_id_XXXXXX";
	int fd = mkstemp(path);
	uint8_t id1[16], id2[16];
	char nqn1[256], nqn2[256];

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, "0123456789abcdef0123456789abcdef\n", 33) == 33);
	close(fd);
	CU_ASSERT_EQUAL(nvmf_host_identity(path, id1, nqn1, sizeof(nqn1)), 0);
	CU_ASSERT_EQUAL(nvmf_host_identity(path, id2, nqn2, sizeof(nqn2)), 0);
	/* Stable, a uuid NQN spelling hostid, version 4 and variant bits. */
	CU_ASSERT_EQUAL(memcmp(id1, id2, 16), 0);
	CU_ASSERT_STRING_EQUAL(nqn1, nqn2);
	CU_ASSERT_EQUAL(strncmp(nqn1, "nqn.2014-08.org.nvmexpress:uuid:", 32), 0);
	CU_ASSERT_EQUAL(strlen(nqn1), 32 + 36);
	CU_ASSERT_EQUAL(id1[6] >> 4, 4);
	CU_ASSERT_EQUAL(id1[8] >> 6, 2);
	char hex[3];

	snprintf(hex, sizeof(hex), "%02x", id1[15]);
	CU_ASSERT_EQUAL(strcmp(nqn1 + strlen(nqn1) - 2, hex), 0);
	/* Another machine, another identity. */
	fd = open(path, O_WRONLY | O_TRUNC);
	CU_ASSERT_FATAL(write(fd, "fedcba9876543210fedcba9876543210\n", 33) == 33);
	close(fd);
	CU_ASSERT_EQUAL(nvmf_host_identity(path, id2, nqn2, sizeof(nqn2)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(id1, id2, 16), 0);
	/* No file or a bad one: the fixed identity, the same every time. */
	fd = open(path, O_WRONLY | O_TRUNC);
	CU_ASSERT_FATAL(write(fd, "not hex at all, not hex at all!!\n", 33) == 33);
	close(fd);
	CU_ASSERT_EQUAL(nvmf_host_identity(path, id1, nqn1, sizeof(nqn1)), 0);
	unlink(path);
	CU_ASSERT_EQUAL(nvmf_host_identity(path, id2, nqn2, sizeof(nqn2)), 0);
	CU_ASSERT_EQUAL(memcmp(id1, id2, 16), 0);
	CU_ASSERT_STRING_EQUAL(nqn1, nqn2);
	CU_ASSERT_EQUAL(nvmf_host_identity(NULL, id2, nqn2, 40), -EINVAL);
}

static void test_discovery(void)
{
	static uint8_t page[1024 * 4];
	struct nvmf_disc_log_hdr *h = (struct nvmf_disc_log_hdr *)page;
	struct nvmf_disc_entry *e = (struct nvmf_disc_entry *)(page + 1024);
	struct nvmf_disc_entry out[4];
	uint64_t genctr, numrec;

	memset(page, 0, sizeof(page));
	h->genctr = 7;
	h->numrec = 5; /* more than the page holds (3) */
	for (int i = 0; i < 3; i++) {
		e[i].trtype = NVMF_TRTYPE_TCP;
		e[i].adrfam = i == 1 ? NVMF_ADRFAM_IPV6 : NVMF_ADRFAM_IPV4;
		e[i].subtype = NVMF_SUBTYPE_NVME;
		e[i].portid = (uint16_t)(i + 1);
		e[i].cntlid = 0xffff;
		e[i].asqsz = 32;
		/* Space padded, as the fields are. */
		memset(e[i].trsvcid, ' ', sizeof(e[i].trsvcid));
		memcpy(e[i].trsvcid, "4420", 4);
		memset(e[i].traddr, ' ', sizeof(e[i].traddr));
		memcpy(e[i].traddr, i == 1 ? "fe80::1" : "192.168.0.9", i == 1 ? 7 : 11);
		snprintf(e[i].subnqn, sizeof(e[i].subnqn), "nqn.2024-01.io.example:sub%d", i);
	}
	CU_ASSERT_EQUAL(nvmf_discovery_parse(page, sizeof(page), &genctr, &numrec, out, 4), 3);
	CU_ASSERT_EQUAL(genctr, 7);
	CU_ASSERT_EQUAL(numrec, 5);
	CU_ASSERT_STRING_EQUAL(out[0].traddr, "192.168.0.9");
	CU_ASSERT_STRING_EQUAL(out[1].traddr, "fe80::1");
	CU_ASSERT_EQUAL(out[1].adrfam, NVMF_ADRFAM_IPV6);
	CU_ASSERT_STRING_EQUAL(out[2].trsvcid, "4420");
	CU_ASSERT_STRING_EQUAL(out[2].subnqn, "nqn.2024-01.io.example:sub2");
	CU_ASSERT_EQUAL(out[2].portid, 3);
	CU_ASSERT_EQUAL(out[0].trtype, NVMF_TRTYPE_TCP);
	/* Fewer asked, fewer on the page than the space allows, no room for a header. */
	CU_ASSERT_EQUAL(nvmf_discovery_parse(page, sizeof(page), &genctr, &numrec, out, 1), 1);
	h->numrec = 2;
	CU_ASSERT_EQUAL(nvmf_discovery_parse(page, sizeof(page), &genctr, &numrec, out, 4), 2);
	CU_ASSERT_EQUAL(nvmf_discovery_parse(page, 1024 + 1023, &genctr, &numrec, out, 4), 0);
	CU_ASSERT_EQUAL(nvmf_discovery_parse(page, 1000, &genctr, &numrec, out, 4), -EINVAL);
	/* A field with no NUL and no padding ends at its last byte. */
	memset(e[0].traddr, 'x', sizeof(e[0].traddr));
	CU_ASSERT_EQUAL(nvmf_discovery_parse(page, sizeof(page), &genctr, &numrec, out, 1), 1);
	CU_ASSERT_EQUAL(strlen(out[0].traddr), 255);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"Connect SQE: fctype, qid, sqsize 0's based, kato; SGL descriptors", test_connect_cmd},
		{"Connect data: hostid, cntlid, NQNs and their limits", test_connect_data},
		{"Property Get/Set: attrib size by register, offset, value", test_property},
		{"host identity from machine-id, stable; fixed without it", test_host_identity},
		{"Discovery log page parsed into entries", test_discovery},
		{NULL, NULL},
	};

	test_add_suite("nvmf", NULL, NULL, tests);
	return test_run_all();
}
