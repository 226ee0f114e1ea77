#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check a JSON document against a list of the keys nvme-cli prints.

    check_keys.py KEYS JSON [DEV]

KEYS has one "KEY TYPE" a line (TYPE: number, string, array, object); KEY? is
optional; "a[].k" is key k of every element of array a, "o.k" key k of object
o; DEV in a key stands for the device name. Every key required must be there
with its type, an optional one present must have its type, and the document
may have no key the list does not name. Prints one line per problem; exit 1
if there was any.
"""
import json
import sys

TYPES = {"number": int, "string": str, "array": list, "object": dict}


def load_keys(path, dev):
    keys = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, typ = line.rsplit(" ", 1)
        optional = key.endswith("?")
        key = key.rstrip("?")
        if dev is not None:
            key = key.replace("DEV", dev)
        keys.append((key, typ, optional))
    return keys


def values(doc, path):
    """Every value at path ("a[].k", "o.k"); [] if absent."""
    found = [doc]
    for part in path.split("."):
        nxt = []
        for v in found:
            if part.endswith("[]"):
                arr = v.get(part[:-2]) if isinstance(v, dict) else None
                if isinstance(arr, list):
                    nxt.extend(arr)
            elif isinstance(v, dict) and part in v:
                nxt.append(v[part])
        found = nxt
    return found


def paths(doc, prefix=""):
    """Every key path in doc, arrays as "a[]"."""
    out = set()
    if isinstance(doc, dict):
        for k, v in doc.items():
            p = prefix + k
            out.add(p)
            if isinstance(v, dict):
                out |= paths(v, p + ".")
            elif isinstance(v, list):
                for e in v:
                    out |= paths(e, p + "[].")
    return out


def main():
    keys = load_keys(sys.argv[1], sys.argv[3] if len(sys.argv) > 3 else None)
    doc = json.load(open(sys.argv[2], encoding="utf-8"))
    problems = []
    for key, typ, optional in keys:
        vals = values(doc, key.replace("[]", "[]"))
        if not vals:
            if not optional and "[]" not in key:
                problems.append(f"missing key '{key}'")
            continue
        for v in vals:
            if not isinstance(v, TYPES[typ]) or isinstance(v, bool):
                problems.append(f"'{key}' is {type(v).__name__}, nvme-cli prints a {typ}")
                break
    named = {k for k, _, _ in keys}
    for p in sorted(paths(doc) - named):
        problems.append(f"key '{p}' is not one nvme-cli prints")
    for arr in {k.split("[]")[0] for k, _, _ in keys if "[]" in k}:
        for elem in values(doc, arr + "[]"):
            for k, typ, optional in keys:
                if k.startswith(arr + "[].") and not optional:
                    if k[len(arr) + 3:] not in elem:
                        problems.append(f"an element of '{arr}' lacks '{k[len(arr) + 3:]}'")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
