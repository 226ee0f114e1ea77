#!/usr/bin/env python3
"""Write the seed inputs of pdu_fuzz into test/fuzz/corpus/pdu_fuzz/.

The seeds are checked in; run this again only when pdu_fuzz's input format
changes (see the comment at the top of test/fuzz/pdu_fuzz.c). Each is a
well-formed controller-to-host stream: every PDU type, with and without
digests (the harness makes them right: flag FIX), in one piece or a byte a read.
"""
import os
import struct
import sys

HD, DD, ICWAIT, REFUSE, FIX, NOSTAGE, TINYSTAGE = 1, 2, 4, 8, 16, 32, 64
F_HDGST, F_DDGST, F_LAST, F_SUCCESS = 1, 2, 4, 8


def hdr(typ, flags, hlen, pdo, plen):
    return struct.pack("<BBBBI", typ, flags, hlen, pdo, plen)


def dg(b, on):
    return b + (b"\0" * 4 if on else b"")


def icresp(dgst=0, maxh2c=8192):
    return hdr(1, 0, 128, 0, 128) + struct.pack("<HBBI", 0, 0, dgst, maxh2c) + bytes(112)


def resp(cid, hd, status=0):
    h = hdr(5, F_HDGST if hd else 0, 24, 0, 24 + (4 if hd else 0))
    return dg(h + struct.pack("<IIHHHH", 0x11, 0, 1, 0, cid, status), hd)


def r2t(cid, ttag, off, length, hd):
    h = hdr(9, F_HDGST if hd else 0, 24, 0, 24 + (4 if hd else 0))
    return dg(h + struct.pack("<HHII", cid, ttag, off, length) + bytes(4), hd)


def c2h(cid, off, data, flags, hd, dd, pad=0):
    pdo = 24 + (4 if hd else 0) + pad
    fl = flags | (F_HDGST if hd else 0) | (F_DDGST if dd else 0)
    h = hdr(7, fl, 24, pdo, pdo + len(data) + (4 if dd else 0))
    h = dg(h + struct.pack("<HHII", cid, 0, off, len(data)) + bytes(4), hd)
    return h + bytes(pad) + dg(data, dd)


def term(n):
    return hdr(3, 0, 24, 0, 24 + n) + struct.pack("<HI", 1, 2) + bytes(10) + b"\xab" * n


def stream(hd, dd):
    return (resp(0, hd) + r2t(1, 7, 0, 4101, hd) + r2t(2, 8, 100, 20000, hd) +
            c2h(1, 0, bytes(range(100)), 0, hd, dd) +
            c2h(1, 100, b"x" * 4001, F_LAST | F_SUCCESS, hd, dd, pad=8) +
            c2h(3, 3, b"abc", F_LAST, hd, dd) + resp(3, hd, 0x4) +
            c2h(2, 60000, b"\x55" * 5536, F_LAST | F_SUCCESS, hd, dd))


def seeds():
    for hd in (0, 1):
        for dd in (0, 1):
            flags = (HD if hd else 0) | (DD if dd else 0) | FIX
            for chunk in (0, 1, 7):
                yield f"stream-h{hd}d{dd}-c{chunk}", bytes([flags, chunk, 0, 0]) + stream(hd, dd)
            for st, name in ((NOSTAGE, "nostage"), (TINYSTAGE, "tinystage")):
                yield f"stream-h{hd}d{dd}-{name}", bytes([flags | st, 0, 0, 0]) + stream(hd, dd)
    yield "icresp-first", bytes([ICWAIT, 0, 0, 1]) + icresp() + resp(0, 0)
    yield "icresp-then-term", bytes([ICWAIT, 3, 0, 0]) + icresp() + term(40)
    yield "term-first", bytes([ICWAIT, 0, 0, 0]) + term(0)
    yield "refuse-odd", bytes([REFUSE, 0, 0, 0]) + resp(2, 0) + resp(1, 0)
    yield "max-data-4k", bytes([0, 0, 4, 0]) + c2h(2, 0, b"z" * 5000, F_LAST, 0, 0)
    yield "r2t-big", bytes([HD | FIX, 0, 0, 0]) + r2t(2, 9, 0, 65536, 1) + r2t(3, 1, 0, 16, 1)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                             "corpus", "pdu_fuzz")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
