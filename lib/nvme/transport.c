/* SPDX-License-Identifier: BSD-3-Clause */
/* Transports by trtype: registered ones first, PCIe for the rest. */
#include <string.h>

#include "transport.h"

/* Few transports, registered at start-up or by a test: a small fixed table. */
#define MAX_TRANSPORTS 8
static const struct nvme_transport_ops *g_transports[MAX_TRANSPORTS];

void nvme_transport_register(const struct nvme_transport_ops *ops)
{
	size_t i, hole = MAX_TRANSPORTS;

	for (i = 0; i < MAX_TRANSPORTS; i++) {
		if (g_transports[i] == ops)
			return;
		if (g_transports[i] == NULL && hole == MAX_TRANSPORTS)
			hole = i;
	}
	if (hole < MAX_TRANSPORTS)
		g_transports[hole] = ops;
}

void nvme_transport_unregister(const struct nvme_transport_ops *ops)
{
	for (size_t i = 0; i < MAX_TRANSPORTS; i++) {
		if (g_transports[i] == ops)
			g_transports[i] = NULL;
	}
}

const struct nvme_transport_ops *nvme_transport_find(const char *trtype)
{
	for (size_t i = 0; trtype != NULL && i < MAX_TRANSPORTS; i++) {
		if (g_transports[i] != NULL && strcmp(g_transports[i]->name, trtype) == 0)
			return g_transports[i];
	}
	/* PCIe's attach asks env, which knows vfio and every registered PCI provider. */
	return &nvme_pcie_transport;
}
