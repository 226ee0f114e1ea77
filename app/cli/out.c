/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading little-endian fields out of raw structures, and raw output. */
#include <string.h>
#include <unistd.h>

#include "cli.h"

uint16_t cli_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t cli_le32(const uint8_t *p)
{
	return (uint32_t)cli_le16(p) | (uint32_t)cli_le16(p + 2) << 16;
}

uint64_t cli_le64(const uint8_t *p)
{
	return (uint64_t)cli_le32(p) | (uint64_t)cli_le32(p + 4) << 32;
}

void cli_u128_str(const uint8_t *p, char *out, size_t len)
{
	unsigned __int128 v = 0;
	char tmp[48];
	int n = 0;

	for (int i = 15; i >= 0; i--)
		v = v << 8 | p[i];
	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	for (int i = 0; i < n && (size_t)i + 1 < len; i++)
		out[i] = tmp[n - 1 - i];
	out[(size_t)n < len ? (size_t)n : len - 1] = '\0';
}

void cli_ascii(const uint8_t *p, size_t n, char *out, size_t len)
{
	size_t k = n < len - 1 ? n : len - 1;

	memcpy(out, p, k);
	out[k] = '\0';
	for (size_t i = 0; i < k; i++) {
		if (out[i] == '\0') {
			k = i;
			break;
		}
	}
	while (k > 0 && out[k - 1] == ' ')
		out[--k] = '\0';
}

int cli_binary(const struct cli *cli, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n <= 0)
			return cli_fail(cli, "writing to stdout failed");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
