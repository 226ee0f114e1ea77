/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PRP walking: PRP1, PRP2 as data or list pointer, list pages chained through
 * their last entry. Every bus address goes through env_pci_iova_to_vaddr;
 * the result is a list of host segments, contiguous ones merged (SGLs in
 * sim_sgl.c build the same lists). Then the copies through such a list, at
 * once or block by block with a cursor.
 */
#include <stdlib.h>
#include <string.h>

#include <isa-l/crc.h>

#include "sim_internal.h"

#define PRP_ENTRIES_PER_PAGE (SIM_PAGE_SIZE / sizeof(uint64_t))

/* Append a segment; addr NULL is a bit bucket. Neighbours that touch are merged. */
static uint16_t seg_push(struct sim_sgl *sgl, uint8_t *addr, size_t len)
{
	struct sim_seg *last = sgl->n ? &sgl->seg[sgl->n - 1] : NULL;

	sgl->len += len;
	if (last != NULL && (addr == NULL ? last->addr == NULL :
			     last->addr != NULL && last->addr + last->len == addr)) {
		last->len += len;
		return SIM_OK;
	}
	if (sgl->n == sgl->cap) {
		unsigned cap = sgl->cap ? sgl->cap * 2 : 64;
		struct sim_seg *seg = realloc(sgl->seg, cap * sizeof(*seg));

		if (seg == NULL)
			return SIM_ERR(PNVME_SC_INTERNAL_DEVICE_ERROR);
		sgl->seg = seg;
		sgl->cap = cap;
	}
	sgl->seg[sgl->n].addr = addr;
	sgl->seg[sgl->n].len = len;
	sgl->n++;
	return SIM_OK;
}

uint16_t sim_seg_add(struct sim_sgl *sgl, uint64_t iova, size_t len)
{
	uint8_t *addr = env_pci_iova_to_vaddr(iova, len);

	if (addr == NULL)
		return SIM_ERR(PNVME_SC_DATA_TRANSFER_ERROR);
	return seg_push(sgl, addr, len);
}

uint16_t sim_seg_add_bucket(struct sim_sgl *sgl, size_t len)
{
	return seg_push(sgl, NULL, len);
}

/* Data entries of a PRP list, starting at the list pointer in PRP2. */
static uint16_t prp_list(struct sim_sgl *sgl, uint64_t list, size_t len)
{
	uint16_t st;

	if (list & 0x3)
		return SIM_ERR(PNVME_SC_INVALID_PRP_OFFSET);
	while (len > 0) {
		size_t slots = (SIM_PAGE_SIZE - (list & SIM_PAGE_MASK)) / sizeof(uint64_t);
		size_t need = (len + SIM_PAGE_SIZE - 1) / SIM_PAGE_SIZE;
		size_t n = need < slots ? need : slots;
		const uint64_t *e = env_pci_iova_to_vaddr(list, n * sizeof(uint64_t));

		if (e == NULL)
			return SIM_ERR(PNVME_SC_DATA_TRANSFER_ERROR);
		for (size_t i = 0; i < n; i++) {
			size_t chunk = len < SIM_PAGE_SIZE ? len : SIM_PAGE_SIZE;

			/* A page's last slot points to the next list page when more follows. */
			if (i == slots - 1 && need > 1) {
				list = e[i];
				if (list & SIM_PAGE_MASK)
					return SIM_ERR(PNVME_SC_INVALID_PRP_OFFSET);
				break;
			}
			if (e[i] & SIM_PAGE_MASK)
				return SIM_ERR(PNVME_SC_INVALID_PRP_OFFSET);
			st = sim_seg_add(sgl, e[i], chunk);
			if (st != SIM_OK)
				return st;
			len -= chunk;
			need--;
		}
	}
	return SIM_OK;
}

uint16_t sim_prp_map(struct sim_sgl *sgl, uint64_t prp1, uint64_t prp2, size_t len)
{
	size_t first;
	uint16_t st;

	sgl->n = 0;
	sgl->len = 0;
	if (len == 0)
		return SIM_OK;
	if (prp1 & 0x3)
		return SIM_ERR(PNVME_SC_INVALID_PRP_OFFSET);
	first = SIM_PAGE_SIZE - (prp1 & SIM_PAGE_MASK);
	if (first > len)
		first = len;
	st = sim_seg_add(sgl, prp1, first);
	if (st != SIM_OK || first == len)
		return st;
	len -= first;
	if (len > SIM_PAGE_SIZE)
		return prp_list(sgl, prp2, len);
	if (prp2 & SIM_PAGE_MASK)
		return SIM_ERR(PNVME_SC_INVALID_PRP_OFFSET);
	return sim_seg_add(sgl, prp2, len);
}

void sim_sgl_to_host(const struct sim_sgl *sgl, const void *src, size_t len)
{
	const uint8_t *s = src;

	for (unsigned i = 0; i < sgl->n && len > 0; i++) {
		size_t n = sgl->seg[i].len < len ? sgl->seg[i].len : len;

		if (sgl->seg[i].addr != NULL) /* else a bit bucket */
			memcpy(sgl->seg[i].addr, s, n);
		s += n;
		len -= n;
	}
}

void sim_sgl_from_host(const struct sim_sgl *sgl, void *dst, size_t len)
{
	uint8_t *d = dst;

	for (unsigned i = 0; i < sgl->n && len > 0; i++) {
		size_t n = sgl->seg[i].len < len ? sgl->seg[i].len : len;

		if (sgl->seg[i].addr != NULL)
			memcpy(d, sgl->seg[i].addr, n);
		d += n;
		len -= n;
	}
}

/* Copy srclen bytes to the command's buffer and zero the rest of its len bytes. */
uint16_t sim_xfer_to_host(struct pnvme_sim *sim, const struct pnvme_cmd *cmd,
			  const void *src, size_t srclen, size_t len)
{
	uint16_t st = sim_dptr_map(sim, cmd, len, true);
	size_t done = 0;

	if (st != SIM_OK)
		return st;
	if (srclen > len)
		srclen = len;
	for (unsigned i = 0; i < sim->sgl.n; i++) {
		struct sim_seg *s = &sim->sgl.seg[i];
		size_t n = done < srclen ? srclen - done : 0;

		if (n > s->len)
			n = s->len;
		if (s->addr != NULL && n > 0)
			memcpy(s->addr, (const uint8_t *)src + done, n);
		if (s->addr != NULL)
			memset(s->addr + n, 0, s->len - n);
		done += s->len;
	}
	return SIM_OK;
}

uint16_t sim_xfer_from_host(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, void *dst,
			    size_t len)
{
	uint16_t st = sim_dptr_map(sim, cmd, len, false);

	if (st == SIM_OK)
		sim_sgl_from_host(&sim->sgl, dst, len);
	return st;
}

void sim_sgl_fini(struct sim_sgl *sgl)
{
	free(sgl->seg);
	memset(sgl, 0, sizeof(*sgl));
}

/* ---------------------------------------------------------------- cursor */

void sim_cur_init(struct sim_cur *c, const struct sim_sgl *l)
{
	c->l = l;
	c->i = 0;
	c->off = 0;
}

/* The next piece of at most n bytes: its host address (NULL: bit bucket) and length. */
static size_t cur_piece(struct sim_cur *c, size_t n, uint8_t **addr)
{
	const struct sim_seg *s;
	size_t len;

	while (c->i < c->l->n && c->off == c->l->seg[c->i].len) {
		c->i++;
		c->off = 0;
	}
	if (c->i == c->l->n)
		return 0; /* the list is as long as the transfer: never reached */
	s = &c->l->seg[c->i];
	len = s->len - c->off < n ? s->len - c->off : n;
	*addr = s->addr != NULL ? s->addr + c->off : NULL;
	c->off += len;
	return len;
}

void sim_cur_to_host(struct sim_cur *c, const void *src, size_t n)
{
	const uint8_t *p = src;
	uint8_t *addr;
	size_t len;

	while (n > 0 && (len = cur_piece(c, n, &addr)) != 0) {
		if (addr != NULL)
			memcpy(addr, p, len);
		p += len;
		n -= len;
	}
}

void sim_cur_from_host(struct sim_cur *c, void *dst, size_t n)
{
	uint8_t *p = dst, *addr;
	size_t len;

	while (n > 0 && (len = cur_piece(c, n, &addr)) != 0) {
		if (addr != NULL)
			memcpy(p, addr, len);
		else
			memset(p, 0, len);
		p += len;
		n -= len;
	}
}

bool sim_cur_equal(struct sim_cur *c, const void *ref, size_t n)
{
	const uint8_t *p = ref;
	uint8_t *addr;
	size_t len;
	bool eq = true;

	/* Walk the whole piece even after a difference: the cursor stays in step. */
	while (n > 0 && (len = cur_piece(c, n, &addr)) != 0) {
		if (addr != NULL && eq && memcmp(addr, p, len) != 0)
			eq = false;
		p += len;
		n -= len;
	}
	return eq;
}

uint16_t sim_cur_crc(struct sim_cur *c, uint16_t crc, size_t n)
{
	uint8_t *addr;
	size_t len;

	while (n > 0 && (len = cur_piece(c, n, &addr)) != 0) {
		if (addr != NULL)
			crc = crc16_t10dif(crc, addr, len);
		n -= len;
	}
	return crc;
}
