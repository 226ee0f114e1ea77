/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32C by ISA-L's crc32_iscsi(), which neither inverts the seed nor the
 * result: NVME_TCP_CRC_INIT and nvme_tcp_crc_final() do (the standard CRC32C).
 */
#include <limits.h>

#include <isa-l/crc.h>

#include "digest.h"

uint32_t nvme_tcp_crc_update(uint32_t crc, const void *buf, size_t len)
{
	/* crc32_iscsi takes an int length. */
	while (len > 0) {
		int n = len > (size_t)INT_MAX ? INT_MAX & ~7 : (int)len;

		crc = crc32_iscsi((unsigned char *)(uintptr_t)buf, n, crc);
		buf = (const uint8_t *)buf + n;
		len -= (size_t)n;
	}
	return crc;
}

uint32_t nvme_tcp_crc_update_iov(uint32_t crc, const struct iovec *iov, int iovcnt, size_t off,
				 size_t len)
{
	for (int i = 0; i < iovcnt && len > 0; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		size_t n = iov[i].iov_len - off;

		if (n > len)
			n = len;
		crc = nvme_tcp_crc_update(crc, (const uint8_t *)iov[i].iov_base + off, n);
		len -= n;
		off = 0;
	}
	return crc;
}
