/* SPDX-License-Identifier: BSD-3-Clause */
/* The PCI interface: transports by name, attach/detach, config space helpers. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "dma.h"
#include "log.h"
#include "pci.h"

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4

static struct env_pci_transport *g_registered;
static _Atomic unsigned g_attached;

unsigned env_pci_attached(void)
{
	return atomic_load(&g_attached);
}

void env_pci_transport_register(struct env_pci_transport *t)
{
	t->next = g_registered;
	g_registered = t;
}

void env_pci_transport_unregister(struct env_pci_transport *t)
{
	for (struct env_pci_transport **p = &g_registered; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			return;
		}
	}
}

/* Providers of their own (software devices, test fakes) register themselves. */
static struct env_pci_transport *const g_builtin[] = {
	&vfio_pci_transport,
};

const struct env_pci_transport *env_pci_transport_find(const char *name)
{
	for (struct env_pci_transport *t = g_registered; t; t = t->next) {
		if (strcmp(t->name, name) == 0)
			return t;
	}
	for (size_t i = 0; i < sizeof(g_builtin) / sizeof(g_builtin[0]); i++) {
		if (strcmp(g_builtin[i]->name, name) == 0)
			return g_builtin[i];
	}
	return NULL;
}

int env_pci_attach(const char *trtype, const char *addr, const char *params,
		     struct env_pci_dev **out)
{
	const struct env_pci_transport *t;
	int rc;

	if (trtype == NULL || out == NULL)
		return -EINVAL;
	t = env_pci_transport_find(trtype);
	if (t == NULL) {
		PNVME_ERRLOG("pci", "unknown transport type '%s'", trtype);
		return -EPROTONOSUPPORT;
	}
	if (t->needs_iova_va && pnvme_env_is_initialized() && !env_dma_map.iova_va) {
		PNVME_ERRLOG("pci", "trtype:%s needs IOVA as VA, and the EAL runs IOVA as PA "
				    "(start it with --iova-mode=va)", trtype);
		return -ENOTSUP;
	}
	rc = t->attach(addr ? addr : "", params ? params : "", out);
	if (rc == 0)
		atomic_fetch_add(&g_attached, 1);
	return rc;
}

void env_pci_detach(struct env_pci_dev *dev)
{
	if (dev != NULL) {
		dev->ops->detach(dev);
		atomic_fetch_sub(&g_attached, 1);
	}
}

int env_pci_enumerate(env_pci_enum_cb cb, void *ctx)
{
	int rc;

	for (struct env_pci_transport *t = g_registered; t; t = t->next) {
		if (t->enumerate && (rc = t->enumerate(cb, ctx)) != 0)
			return rc;
	}
	for (size_t i = 0; i < sizeof(g_builtin) / sizeof(g_builtin[0]); i++) {
		if (g_builtin[i]->enumerate && (rc = g_builtin[i]->enumerate(cb, ctx)) != 0)
			return rc;
	}
	return 0;
}

int env_pci_enable_bus_master(struct env_pci_dev *dev)
{
	uint16_t cmd;
	int rc;

	rc = dev->ops->cfg_read(dev, &cmd, sizeof(cmd), PCI_COMMAND);
	if (rc < 0)
		return rc;
	cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	return dev->ops->cfg_write(dev, &cmd, sizeof(cmd), PCI_COMMAND);
}

int env_pci_disable_bus_master(struct env_pci_dev *dev)
{
	uint16_t cmd;
	int rc;

	rc = dev->ops->cfg_read(dev, &cmd, sizeof(cmd), PCI_COMMAND);
	if (rc < 0)
		return rc;
	cmd = (uint16_t)((cmd & ~PCI_COMMAND_MASTER) | PCI_COMMAND_MEMORY);
	return dev->ops->cfg_write(dev, &cmd, sizeof(cmd), PCI_COMMAND);
}

int env_pci_reset(struct env_pci_dev *dev)
{
	if (dev->ops->reset == NULL)
		return -ENOTSUP;
	return dev->ops->reset(dev);
}

void *env_pci_iova_to_vaddr(uint64_t iova, size_t len)
{
	uint64_t contig = len;

	/* IOVA = VA is the only mode a software device can serve. */
	if (pnvme_vtophys((void *)(uintptr_t)iova, &contig) != iova || contig < len)
		return NULL;
	return (void *)(uintptr_t)iova;
}

/* Parse exactly n hex digits at *s, advancing it. */
static int hex_field(const char **s, int n, unsigned *val)
{
	*val = 0;
	for (int i = 0; i < n; i++) {
		char c = (*s)[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
		*val = *val * 16 + d;
	}
	*s += n;
	return 0;
}

int env_pci_addr_normalize(const char *in, char *out, size_t out_len)
{
	unsigned dom = 0, bus, dev, fn;
	const char *s = in;

	if (in == NULL)
		return -EINVAL;
	/* [DDDD:]BB:DD.F */
	if (strlen(in) == 12 && (hex_field(&s, 4, &dom) != 0 || *s++ != ':'))
		return -EINVAL;
	if (strlen(s) != 7 || hex_field(&s, 2, &bus) != 0 || *s++ != ':' ||
	    hex_field(&s, 2, &dev) != 0 || *s++ != '.' || hex_field(&s, 1, &fn) != 0)
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	if ((size_t)snprintf(out, out_len, "%04x:%02x:%02x.%x", dom, bus, dev, fn) >= out_len)
		return -ENAMETOOLONG;
	return 0;
}
