#!/usr/bin/env python3
"""Write the seed inputs of cq_fuzz into test/fuzz/corpus/cq_fuzz/.

The seeds are checked in; run this again only when cq_fuzz's input format
changes (see the comment at the top of test/fuzz/cq_fuzz.c and op() there).
One seed per size class, each submitting past the trackers into the software
queue and letting the device answer, plus seeds for the odd paths: bogus,
stale and bit-flipped CIDs, wrong phase, splits, timeouts, abort_all, a
failed qpair, callbacks that resubmit or poll, the delayed doorbell.
"""
import os
import struct
import sys

# Size classes (byte 0): see entries_for() in cq_fuzz.c.
C2, C3, C4, C5, C8, C16, C64, C100, C127, C257, C1000, C1024 = range(12)
C_ANY1024 = 12
C4096, C65536, C_ANY = 0xFD, 0xFE, 0xFF

# Flags (byte 6).
ADMIN, DELAY_DB, TEARDOWN_ACTS, SHADOW_DB = 1, 2, 4, 8
CB_RESUBMIT, CB_POLL = 1, 2
AER, RAW = 4, 0x80

# CQE modes (the byte after opcode 0).
RAW_CID, ANSWER, FLIPPED, STALE = 0, 1, 2, 3
WRONG_PHASE, INJECT, RAW_SQHD = 4, 8, 16


def header(cls, entries=0, pool_delta=0, first=0, flags=0):
    return struct.pack("<BHbHB", cls, entries, pool_delta, first, flags)


def cqe(mode, a, status=0, sqhd=0):
    return struct.pack("<BBHHH", 0, mode, a, status, sqhd)


def process(mx=0):
    return bytes([5, mx])


def poll(mx=0):
    return bytes([7, mx])


def submit(n, b=0):
    return bytes([8, n, b])


def split(children, b=0):
    return bytes([10, children - 1, b])


def device(n, error=False):
    return bytes([11, n, 1 if error else 0])


def doorbell(toggle=False):
    return bytes([12, 1 if toggle else 0])


def timeouts(mx=0):
    return bytes([13, mx])


def abort_all(sct=0, sc=7):
    return struct.pack("<BH", 14, sct << 8 | sc)


def failed():
    return bytes([15, 0])


def drain():
    return bytes([15, 1])


def event_index(sq, cq):
    return struct.pack("<BBHH", 15, 2, sq, cq)


LBA_RANGE = 0x80 << 1  # status field: Generic, LBA Out of Range

SEEDS = {
    # Tiny queues: one tracker, the rest waits in the software queue.
    "tiny-2": header(C2, pool_delta=4, first=5) + device(1) + device(1) +
    cqe(RAW_CID, 0x0003) + process() + device(8) + submit(3) + device(2),
    "tiny-3": header(C3, pool_delta=6, first=8) + cqe(ANSWER, 0) + cqe(ANSWER, 1) +
    process() + cqe(FLIPPED, 0x2000) + cqe(STALE, 0) + process() + device(16),
    # Not a power of two: CIDs whose index is past the entries.
    "odd-100": header(C100, pool_delta=20, first=110) + device(64) + cqe(RAW_CID, 0x007f) +
    cqe(RAW_CID, 0x0064) + process() + device(64) + submit(40) + device(255),
    "odd-1000": header(C1000, pool_delta=30, first=1020) + device(255) + device(255) +
    cqe(RAW_CID, 0x03ff) + process(255) + device(255) + device(255) + device(255),
    "odd-127": header(C127, pool_delta=-100, first=40) + device(20, error=True) +
    cqe(RAW_CID, 0x7f7f, LBA_RANGE) + process(1) + process(200),
    # Powers of two, wrapping the CQ more than once.
    "pow2-64": header(C64, pool_delta=10, first=73) + device(63) + submit(63) + device(63) +
    submit(63) + device(63) + device(63),
    "pow2-1024": header(C1024, pool_delta=64, first=1087) + device(255) + device(255) +
    cqe(FLIPPED, 0x1000) + process() + device(255) + device(255) + device(255),
    "pow2-4096": header(C4096, pool_delta=16, first=600) + device(255) + device(255) +
    device(90) + cqe(RAW_CID, 0xffff) + process(),
    # The largest queue (CAP.MQES = 0xFFFF): requests still out at teardown.
    "max-65536": header(C65536, pool_delta=16, first=300) + device(255) + cqe(ANSWER, 0) +
    cqe(RAW_CID, 0xffff) + process() + submit(8),
    "any-size": header(C_ANY, entries=0x8c35, pool_delta=3, first=200) + device(100) +
    process(),
    "any-small": header(C_ANY1024, entries=600, pool_delta=5, first=50) + device(30),
    # Odd paths.
    "wrong-phase": header(C8, pool_delta=2, first=7) +
    cqe(ANSWER | WRONG_PHASE, 0) + process() + cqe(ANSWER | INJECT | RAW_SQHD, 1, 0, 0x1234) +
    cqe(ANSWER | INJECT | WRONG_PHASE | 0x20, 2) + process() + device(8),
    "split": header(C16, pool_delta=20, first=3) + split(4) + split(8) + device(5) +
    cqe(ANSWER, 0, LBA_RANGE) + process() + device(16, error=True),
    "timeouts": header(C16, pool_delta=4, first=10) + timeouts() + cqe(ANSWER, 0) +
    cqe(ANSWER, 0) + process() + submit(4) + timeouts(1) + device(10),
    "timeouts-admin": header(C8, pool_delta=2, first=9, flags=ADMIN | AER << 4) + timeouts() +
    device(9),
    "abort-all": header(C16, pool_delta=10, first=20) + device(4) + abort_all() +
    cqe(ANSWER, 0) + cqe(STALE, 0) + process() + submit(10) + device(10),
    "failed": header(C8, pool_delta=4, first=10) + failed() + submit(3) + submit(2, RAW) +
    split(3, RAW) + poll() + process() + device(5),
    # Submitted after the controller was declared dead, then entries with their CIDs: a
    # stopped device neither fetches nor writes (the model once posted them anyway).
    "failed-raw-cqe": header(C8, first=0, flags=ADMIN) + failed() + submit(2, RAW) +
    cqe(RAW_CID, 0x0008) + cqe(RAW_CID, 0x0009) + process() + device(4),
    # An entry with a CID no command had yet, left unreaped; after the death a raw submission
    # takes that CID and the entry completes it: accepted as while alive (the CID matches).
    "failed-stale-cid": header(C8, first=0, flags=ADMIN) + cqe(RAW_CID, 0x0008, 0x2c00) +
    failed() + submit(2, RAW) + process() + device(4),
    "callbacks": header(C8, pool_delta=8, first=12, flags=TEARDOWN_ACTS | (CB_RESUBMIT | CB_POLL) << 4) +
    device(4) + submit(4, CB_POLL) + device(8) + abort_all() + device(8) + drain(),
    "delayed-doorbell": header(C64, pool_delta=0, first=20, flags=DELAY_DB) + device(10) +
    doorbell() + device(20) + doorbell(toggle=True) + submit(10) + device(10),
    "shadow-doorbell": header(C16, pool_delta=8, first=20, flags=SHADOW_DB) + device(3) +
    event_index(5, 2) + submit(4) + device(8) + event_index(0xffff, 0x10) + device(16),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "cq_fuzz")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main()
