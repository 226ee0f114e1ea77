/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32C (Castagnoli) for NVMe/TCP header and data digests, by ISA-L. A digest
 * is computed in steps: start with NVME_TCP_CRC_INIT, feed pieces with
 * nvme_tcp_crc_update(), end with nvme_tcp_crc_final(); the wire carries the
 * final value little endian.
 */
#ifndef PNVME_TCP_DIGEST_H
#define PNVME_TCP_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define NVME_TCP_CRC_INIT 0xffffffffu

uint32_t nvme_tcp_crc_update(uint32_t crc, const void *buf, size_t len);

/* The bytes [off, off + len) of an iovec array; fewer when the array ends first. */
uint32_t nvme_tcp_crc_update_iov(uint32_t crc, const struct iovec *iov, int iovcnt, size_t off,
				 size_t len);

static inline uint32_t nvme_tcp_crc_final(uint32_t crc)
{
	return crc ^ 0xffffffffu;
}

/* The digest of one buffer. */
static inline uint32_t nvme_tcp_digest(const void *buf, size_t len)
{
	return nvme_tcp_crc_final(nvme_tcp_crc_update(NVME_TCP_CRC_INIT, buf, len));
}

#endif
