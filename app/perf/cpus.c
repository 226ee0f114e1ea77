/* SPDX-License-Identifier: BSD-3-Clause */
/* Which CPUs the workers may use: the process's affinity, and -c masks. */
#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "perf.h"

int perf_cpus_allowed(uint16_t *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < max; c++) {
		if (CPU_ISSET(c, &set))
			cpus[n++] = (uint16_t)c;
	}
	return n;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int perf_parse_core_mask(const char *s, uint16_t *cpus, int max, char *why, size_t why_len)
{
	cpu_set_t allowed;
	const char *p = s, *end;
	int n = 0, bit = 0;
	size_t len = strlen(s);
	char shown[32]; /* the mask in messages, cut short when long */

	snprintf(shown, sizeof(shown), "%s%s", len > 24 ? "..." : "", len > 24 ? s + len - 21 : s);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	end = p + strlen(p);
	if (end == p) {
		snprintf(why, why_len, "core mask (-c) '%s' is not a hex number", shown);
		return -1;
	}
	for (const char *q = p; q < end; q++) {
		if (hex_digit(*q) < 0) {
			snprintf(why, why_len, "core mask (-c) '%s' is not a hex number", shown);
			return -1;
		}
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		CPU_ZERO(&allowed);
	/* From the last digit (CPUs 0-3) to the first: the list comes out in order. */
	for (const char *q = end; q > p; q--, bit += 4) {
		int d = hex_digit(q[-1]);

		for (int i = 0; i < 4; i++) {
			int cpu = bit + i;

			if (!(d & (1 << i)))
				continue;
			if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
				snprintf(why, why_len, "core mask (-c) %s names CPU %d, which this "
					 "process cannot run on", shown, cpu);
				return -1;
			}
			if (n == max) {
				snprintf(why, why_len, "core mask (-c) %s names more than %d CPUs",
					 shown, max);
				return -1;
			}
			cpus[n++] = (uint16_t)cpu;
		}
	}
	if (n == 0) {
		snprintf(why, why_len, "core mask (-c) %s names no CPU", shown);
		return -1;
	}
	return n;
}
