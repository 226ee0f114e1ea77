# What pnvme links of DPDK: the EAL (hugepage memory, IOVA, the vfio
# container) and what the EAL itself needs. No PCI bus driver, no mempool or
# ring: pnvme's queues and request pools are its own.
DPDK_COMPONENTS := rte_eal rte_kvargs rte_telemetry
DPDK_MIN_VERSION := 22.11
