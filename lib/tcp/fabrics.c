/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe over Fabrics: Connect, Property Get/Set, host identity, Discovery log. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nvmf.h"

/* The uuid of a host that has no /etc/machine-id: fixed, so the identity is stable. */
static const uint8_t default_hostid[16] = {
	0x70, 0x6e, 0x76, 0x6d, 0x65, 0x2d, 0x40, 0x68, 0x80, 0x6f, 0x73, 0x74, 0x2d, 0x69, 0x64, 0x00,
};

void nvmf_connect_cmd(struct pnvme_cmd *cmd, uint16_t qid, uint16_t entries, uint32_t kato_ms)
{
	struct nvmf_connect_cmd *c = (struct nvmf_connect_cmd *)cmd;

	memset(c, 0, sizeof(*c));
	c->opcode = NVMF_OPC_FABRICS;
	c->fctype = NVMF_FCTYPE_CONNECT;
	c->recfmt = 0;
	c->qid = qid;
	c->sqsize = (uint16_t)(entries - 1);
	c->kato = qid == 0 ? kato_ms : 0;
}

static int nqn_copy(char *dst, const char *src)
{
	size_t n = src ? strnlen(src, NVMF_NQN_MAX + 1) : 0;

	if (n == 0 || n > NVMF_NQN_MAX)
		return -EINVAL;
	memset(dst, 0, NVMF_NQN_FIELD);
	memcpy(dst, src, n);
	return 0;
}

int nvmf_connect_data(struct nvmf_connect_data *data, const uint8_t hostid[16], uint16_t cntlid,
		      const char *subnqn, const char *hostnqn)
{
	memset(data, 0, sizeof(*data));
	memcpy(data->hostid, hostid, sizeof(data->hostid));
	data->cntlid = cntlid;
	if (nqn_copy(data->subnqn, subnqn) != 0 || nqn_copy(data->hostnqn, hostnqn) != 0)
		return -EINVAL;
	return 0;
}

unsigned int nvmf_property_size(uint32_t offset)
{
	switch (offset) {
	case PNVME_REG_CAP:
	case PNVME_REG_ASQ:
	case PNVME_REG_ACQ:
	case 0x50: /* CMBMSC */
		return 8;
	default:
		return 4;
	}
}

void nvmf_property_get_cmd(struct pnvme_cmd *cmd, uint32_t offset)
{
	struct nvmf_property_cmd *c = (struct nvmf_property_cmd *)cmd;

	memset(c, 0, sizeof(*c));
	c->opcode = NVMF_OPC_FABRICS;
	c->fctype = NVMF_FCTYPE_PROPERTY_GET;
	c->attrib = nvmf_property_size(offset) == 8 ? NVMF_PROP_SIZE_8 : NVMF_PROP_SIZE_4;
	c->offset = offset;
}

void nvmf_property_set_cmd(struct pnvme_cmd *cmd, uint32_t offset, uint64_t value)
{
	struct nvmf_property_cmd *c = (struct nvmf_property_cmd *)cmd;

	memset(c, 0, sizeof(*c));
	c->opcode = NVMF_OPC_FABRICS;
	c->fctype = NVMF_FCTYPE_PROPERTY_SET;
	c->attrib = nvmf_property_size(offset) == 8 ? NVMF_PROP_SIZE_8 : NVMF_PROP_SIZE_4;
	c->offset = offset;
	c->value = c->attrib == NVMF_PROP_SIZE_8 ? value : (uint32_t)value;
}

/* Fabrics commands always describe data with SGLs (PSDT 01b). */
static void sgl_set(struct pnvme_cmd *cmd, uint8_t type, uint8_t subtype, uint32_t len)
{
	cmd->psdt = PNVME_PSDT_SGL_MPTR_CONTIG;
	memset(&cmd->dptr, 0, sizeof(cmd->dptr));
	cmd->dptr.sgl.address = 0;
	cmd->dptr.sgl.length = len;
	cmd->dptr.sgl.id = PNVME_SGL_ID(type, subtype);
}

void nvmf_sgl_incapsule(struct pnvme_cmd *cmd, uint32_t len)
{
	sgl_set(cmd, PNVME_SGL_TYPE_DATA_BLOCK, NVMF_SGL_SUBTYPE_OFFSET, len);
}

void nvmf_sgl_transport(struct pnvme_cmd *cmd, uint32_t len)
{
	sgl_set(cmd, NVMF_SGL_TYPE_TRANSPORT_DATA_BLOCK, NVMF_SGL_SUBTYPE_TRANSPORT_A, len);
}

int nvmf_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 32 hex digits at the start of the file (machine-id(5)), or -1. */
static int machine_id_read(const char *path, uint8_t id[16])
{
	char buf[33];
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, 32);
	close(fd);
	if (n != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		int hi = nvmf_hexval(buf[2 * i]), lo = nvmf_hexval(buf[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	/* A uuid of the machine's and not the machine-id itself (it is meant to stay
	 * private): fold in a constant, and mark it a version 4 (random) uuid. */
	for (int i = 0; i < 16; i++)
		id[i] ^= default_hostid[i];
	id[6] = (uint8_t)((id[6] & 0x0f) | 0x40);
	id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);
	return 0;
}

int nvmf_host_identity(const char *machine_id_path, uint8_t hostid[16], char *hostnqn,
		       size_t hostnqn_len)
{
	const uint8_t *u;
	int n;

	if (machine_id_read(machine_id_path, hostid) != 0)
		memcpy(hostid, default_hostid, 16);
	u = hostid;
	n = snprintf(hostnqn, hostnqn_len,
		     "nqn.2014-08.org.nvmexpress:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		     "%02x%02x%02x%02x%02x%02x",
		     u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		     u[12], u[13], u[14], u[15]);
	return n < 0 || (size_t)n >= hostnqn_len ? -EINVAL : 0;
}

/* A space-padded field made a C string (its last byte gives way to the NUL). */
static void field_trim(char *s, size_t size)
{
	size_t n;

	s[size - 1] = '\0';
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
}

int nvmf_discovery_parse(const void *log, size_t len, uint64_t *genctr, uint64_t *numrec,
			 struct nvmf_disc_entry *out, int max)
{
	const struct nvmf_disc_log_hdr *h = log;
	const struct nvmf_disc_entry *e = (const struct nvmf_disc_entry *)(h + 1);
	uint64_t have;
	int n = 0;

	if (len < sizeof(*h))
		return -EINVAL;
	*genctr = h->genctr;
	*numrec = h->numrec;
	have = (len - sizeof(*h)) / sizeof(*e);
	if (have > h->numrec)
		have = h->numrec;
	for (; n < max && (uint64_t)n < have; n++) {
		out[n] = e[n];
		field_trim(out[n].trsvcid, sizeof(out[n].trsvcid));
		field_trim(out[n].traddr, sizeof(out[n].traddr));
		field_trim(out[n].subnqn, sizeof(out[n].subnqn));
	}
	return n;
}
