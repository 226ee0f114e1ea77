/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCIe transport's per-qpair state: SQ/CQ rings in DMA memory, their
 * doorbells (MMIO or shadow), the phase bit. Embedded first in every
 * struct pnvme_qpair so the hot fields stay in the lines they always took;
 * the inline helpers here touch only this struct (no lib/nvme types).
 */
#ifndef PNVME_PCIE_QPAIR_H
#define PNVME_PCIE_QPAIR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env/barrier.h"
#include "pnvme/nvme_spec.h"

struct nvme_pcie_qpair {
	/* Hot, one cache line: submission and completion. */
	struct pnvme_cmd *sq;
	struct pnvme_cpl *cq;
	/* Atomic: a reset parks them on parked_db from another thread. */
	_Atomic(volatile uint32_t *) sq_tail_db;
	_Atomic(volatile uint32_t *) cq_head_db;
	uint32_t sq_tail;
	uint32_t sq_tail_rung; /* last tail value the doorbell got */
	uint32_t cq_head;
	uint32_t num_entries;
	/* The phase of the next new entry, where CQE dword 3 has it: 0 or NVME_PCIE_CQE_PHASE. */
	uint32_t cqe_phase;
	struct pnvme_cpl *cq_end; /* cq + num_entries: the completion loop's wrap test */

	/* Shadow doorbells (Doorbell Buffer Config), NULL when not in use. */
	volatile uint32_t *shadow_sq_tail __attribute__((aligned(64)));
	volatile uint32_t *shadow_cq_head;
	volatile uint32_t *ei_sq_tail;
	volatile uint32_t *ei_cq_head;
	uint64_t sq_doorbell_writes; /* MMIO writes, for pnvme_qpair_get_stats() */
	uint64_t cq_doorbell_writes;

	/* Cold: the memory behind the rings and the trackers' PRP list pages. */
	void *sq_mem, *cq_mem, *prp_mem;
	uint64_t sq_bus, cq_bus;
	uint32_t parked_db[2]; /* where doorbell writes go while a reset owns the queue */
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct nvme_pcie_qpair, cq_end) + sizeof(void *) <= 64,
	       "ring state in one cache line");
_Static_assert(offsetof(struct nvme_pcie_qpair, cq_doorbell_writes) < 128,
	       "shadow pointers and counters in the second line");

/* CQE dword 3, CID (bits 0-15) and status (16-31, the phase in bit 16), read as one. */
typedef uint32_t __attribute__((may_alias)) nvme_pcie_cqe_dw3;
#define NVME_PCIE_CQE_PHASE (1u << 16)

/*
 * An entry's dword 3 in one aligned 4-byte load: the phase and the CID
 * together, as the device wrote them (a DMA write does not tear an aligned
 * dword).
 */
static inline __attribute__((always_inline)) uint32_t
nvme_pcie_cqe_dw3_load(const struct pnvme_cpl *cpl)
{
	return *(const volatile nvme_pcie_cqe_dw3 *)&cpl->cid;
}

/* The memory page size pnvme programs (CC.MPS = 0). */
#define NVME_PCIE_PAGE 4096u

/* Event-index rule: ring when the new value has passed the controller's index. */
static inline bool nvme_need_mmio(uint16_t event_idx, uint16_t new_val, uint16_t old_val)
{
	return (uint16_t)(new_val - event_idx - 1) < (uint16_t)(new_val - old_val);
}

/*
 * Shadow doorbells: the shadow value, then MMIO only when the new value has
 * passed the controller's event index. The last value rung is read here,
 * not by the MMIO case, which does not need it.
 */
static inline __attribute__((always_inline)) void
nvme_pcie_ring_sq_shadow(struct nvme_pcie_qpair *pq, uint32_t tail)
{
	uint32_t old = pq->sq_tail_rung;

	pq->sq_tail_rung = tail;
	*pq->shadow_sq_tail = tail;
	nvme_mb(); /* shadow value visible before the event index is read */
	if (!nvme_need_mmio((uint16_t)*pq->ei_sq_tail, (uint16_t)tail, (uint16_t)old))
		return;
	*atomic_load_explicit(&pq->sq_tail_db, memory_order_relaxed) = tail;
	pq->sq_doorbell_writes++;
}

/* The SQ tail doorbell's MMIO write (the commands are in the SQ already). */
static inline __attribute__((always_inline)) void
nvme_pcie_write_sq_db(struct nvme_pcie_qpair *pq, uint32_t tail)
{
	pq->sq_tail_rung = tail;
	*atomic_load_explicit(&pq->sq_tail_db, memory_order_relaxed) = tail;
	pq->sq_doorbell_writes++;
}

/* A qpair without shadow doorbells (the inline poll's): the SQ tail if it moved. */
static inline __attribute__((always_inline)) void nvme_pcie_ring_sq_mmio(struct nvme_pcie_qpair *pq)
{
	uint32_t tail = pq->sq_tail;

	if (tail != pq->sq_tail_rung) {
		nvme_wmb(); /* commands in the SQ before the doorbell */
		nvme_pcie_write_sq_db(pq, tail);
	}
}

/* Ring the SQ tail doorbell for the tail, which moved since the last ring. */
static inline __attribute__((always_inline)) void
nvme_pcie_ring_sq_now(struct nvme_pcie_qpair *pq, uint32_t tail)
{
	nvme_wmb(); /* commands in the SQ before the doorbell */
	if (__builtin_expect(pq->shadow_sq_tail != NULL, 0)) {
		nvme_pcie_ring_sq_shadow(pq, tail);
		return;
	}
	nvme_pcie_write_sq_db(pq, tail);
}

/* Ring the SQ tail doorbell if the tail moved since the last ring. */
static inline __attribute__((always_inline)) void nvme_pcie_ring_sq(struct nvme_pcie_qpair *pq)
{
	uint32_t tail = pq->sq_tail;

	if (tail != pq->sq_tail_rung)
		nvme_pcie_ring_sq_now(pq, tail);
}

/*
 * Right after a command was copied in: the tail has moved (fewer trackers
 * than slots, so it cannot have come round to the value last rung).
 */
static inline __attribute__((always_inline)) void
nvme_pcie_ring_sq_posted(struct nvme_pcie_qpair *pq)
{
	nvme_pcie_ring_sq_now(pq, pq->sq_tail);
}

/* The same on a qpair known to have no shadow doorbells. */
static inline __attribute__((always_inline)) void
nvme_pcie_ring_sq_posted_mmio(struct nvme_pcie_qpair *pq)
{
	uint32_t tail = pq->sq_tail; /* before the barrier: after it, a load again */

	nvme_wmb(); /* commands in the SQ before the doorbell */
	nvme_pcie_write_sq_db(pq, tail);
}

/* The CQ head doorbell's MMIO write, for a head already in pq->cq_head. */
static inline __attribute__((always_inline)) void nvme_pcie_write_cq_db(struct nvme_pcie_qpair *pq,
								       uint32_t head)
{
	*atomic_load_explicit(&pq->cq_head_db, memory_order_relaxed) = head;
	pq->cq_doorbell_writes++;
}

/* The CQ head moves to head after a batch (pq->cq_head is still where it started). */
static inline __attribute__((always_inline)) void nvme_pcie_ring_cq(struct nvme_pcie_qpair *pq,
								   uint32_t head)
{
	if (__builtin_expect(pq->shadow_cq_head != NULL, 0)) {
		/* The old head only here: the MMIO case does not need it. */
		uint32_t old_head = pq->cq_head;

		pq->cq_head = head;
		*pq->shadow_cq_head = head;
		nvme_mb();
		if (!nvme_need_mmio((uint16_t)*pq->ei_cq_head, (uint16_t)head, (uint16_t)old_head))
			return;
	} else {
		pq->cq_head = head;
	}
	nvme_pcie_write_cq_db(pq, head);
}

/* Copy a command into the next SQ slot (the doorbell is the caller's). */
static inline __attribute__((always_inline)) void nvme_pcie_sq_copy(struct nvme_pcie_qpair *pq,
								   const struct pnvme_cmd *cmd)
{
	pq->sq[pq->sq_tail] = *cmd;
	if (__builtin_expect(++pq->sq_tail == pq->num_entries, 0))
		pq->sq_tail = 0;
}

/*
 * PRP1/PRP2 for a bus-contiguous payload of at most two pages, inline; false
 * when it needs a PRP list (the slow path builds one).
 */
static inline __attribute__((always_inline)) bool nvme_pcie_prp_fast(struct pnvme_cmd *cmd,
								    uint64_t iova, uint32_t size)
{
	uint32_t first = NVME_PCIE_PAGE - (uint32_t)(iova & (NVME_PCIE_PAGE - 1));

	if (size <= first) {
		cmd->dptr.prp.prp1 = iova;
		cmd->dptr.prp.prp2 = 0;
	} else if (size - first <= NVME_PCIE_PAGE) {
		cmd->dptr.prp.prp1 = iova;
		cmd->dptr.prp.prp2 = iova + first;
	} else {
		return false;
	}
	return true;
}

/* Doorbell writes go to parked_db instead of BAR0: the queue is gone or going. */
static inline void nvme_pcie_park_doorbells(struct nvme_pcie_qpair *pq)
{
	atomic_store_explicit(&pq->sq_tail_db, &pq->parked_db[0], memory_order_release);
	atomic_store_explicit(&pq->cq_head_db, &pq->parked_db[1], memory_order_release);
}

#endif /* PNVME_PCIE_QPAIR_H */
