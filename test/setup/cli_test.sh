#!/usr/bin/env bash
# Host-side checks of pnvme-setup's command line: exit statuses, and that
# each error is exactly one "pnvme-setup: ..." line on stderr. Changes
# nothing on the host: it never binds, resets or reserves hugepages for real
# (the guest test test/qemu/setup_test.sh does that).
#
#   test/setup/cli_test.sh [path/to/pnvme-setup]   (default build/bin/pnvme-setup)

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:-${PNVME_SETUP:-$ROOT/build/bin/pnvme-setup}}
[[ -x $BIN ]] || { echo "cli_test.sh: $BIN not built" >&2; exit 1; }

pass=0 fail=0
AS=()   # command prefix, to run as another user
OUT=$(mktemp) ERR=$(mktemp)
trap 'rm -f "$OUT" "$ERR"' EXIT

ok()  { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }

# run STATUS DESC ARGS...: pnvme-setup ARGS must exit with STATUS.
run() {
    local want=$1 desc=$2 got; shift 2
    "${AS[@]}" "$BIN" "$@" > "$OUT" 2> "$ERR"
    got=$?
    if [[ $got == "$want" ]]; then
        ok "$desc (exit $want)"
    else
        bad "$desc: exit $got, wanted $want"
        sed 's/^/    | /' "$OUT" "$ERR"
    fi
}

# error_line PATTERN: stderr is one line, prefixed, matching PATTERN; no stdout.
error_line() {
    local lines
    lines=$(wc -l < "$ERR")
    if [[ $lines == 1 && ! -s $OUT ]] && grep -q "^pnvme-setup: .*$1" "$ERR"; then
        ok "  ... one line: $(cat "$ERR")"
    else
        bad "  ... wanted one stderr line matching '$1', got $lines line(s):"
        sed 's/^/    | /' "$OUT" "$ERR"
    fi
}

# A PCI address with no device behind it on this machine.
absent_bdf() {
    local b
    for b in 0000:99:00.0 ffff:fe:1f.7 fffe:fe:1e.6; do
        [[ -e /sys/bus/pci/devices/$b ]] || { echo "$b"; return; }
    done
}

# A PCI function that is not NVMe (bind must refuse it before touching it).
non_nvme_bdf() {
    local d
    for d in /sys/bus/pci/devices/*; do
        [[ -e $d/class && $(cat "$d/class") != 0x010802 ]] && { basename "$d"; return; }
    done
}

run 0 "--help" --help
if grep -q '^Usage: pnvme-setup' "$OUT"; then ok "  ... prints usage"; else bad "  ... prints usage"; fi
if grep -q -- '--version' "$OUT"; then ok "  ... names --version"; else bad "  ... names --version"; fi
run 0 "--version" --version
version=$(for f in MAJOR MINOR PATCH; do sed -n "s/^VERSION_$f := *//p" "$ROOT/Makefile"; done | paste -sd. -)
if [[ $(cat "$OUT") == "pnvme-setup $version" && ! -s $ERR ]]; then
    ok "  ... prints 'pnvme-setup $version' alone"
else
    bad "  ... printed '$(cat "$OUT" "$ERR")', wanted 'pnvme-setup $version'"
fi
run 0 "help" help
run 0 "status" status
if grep -qE '^(BDF|no NVMe functions found)' "$OUT"; then
    ok "  ... prints a table or says none"
else
    bad "  ... status output: $(head -1 "$OUT")"
fi

run 2 "unknown command" frobnicate
error_line "unknown command 'frobnicate'"
run 2 "unknown option" --frob
error_line "unknown option '--frob'"
run 2 "--hugemem without a value" --hugemem
error_line "--hugemem needs a value"
run 2 "--hugemem not a number" --hugemem 12x
error_line "--hugemem wants a number"

for b in zz 0000:00:20.0 00:00.8 1:2:3:4 0000:00:00 00:00.0x 000000000:00:00.0 "" 0x00:01.0; do
    run 2 "bad BDF '$b'" bind "$b"
    error_line "is not a PCI address"
done
run 2 "bad BDF after a good one" reset 00:00.0 00:0g.0
error_line "'00:0g.0' is not a PCI address"

if [[ $EUID -eq 0 ]]; then
    b=$(absent_bdf)
    run 1 "bind $b (no such device)" bind "$b"
    error_line "$b: no such PCI device"
    run 1 "bind ${b#0000:} (short form)" bind "${b#0000:}"
    error_line "$b: no such PCI device"
    run 1 "reset $b" reset "$b"
    error_line "no such PCI device"
    b=$(non_nvme_bdf)
    if [[ -n $b ]]; then
        run 1 "bind $b (not NVMe)" bind "$b"
        error_line "$b: not an NVMe controller"
    fi
    if command -v setpriv > /dev/null; then
        AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)   # as nobody
        run 1 "bind as non-root" bind 0000:99:00.0
        error_line "bind needs root"
        run 1 "--hugemem as non-root" --hugemem 2
        error_line "--hugemem needs root"
        run 0 "status as non-root"
        AS=()
    fi
else
    run 1 "bind as non-root" bind 0000:99:00.0
    error_line "bind needs root"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
