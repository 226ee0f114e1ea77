#!/usr/bin/env bash
# Host-side checks of pnvme-setup's command line: exit statuses, and that
# each error is exactly one "pnvme-setup: ..." line on stderr. Changes
# nothing on the host: it never binds, resets, cleans up, sets a user up or
# reserves hugepages for real (the guest test test/qemu/setup_test.sh does).
# SPDK setup.sh's environment variables are cleared first, then set per case.
#
#   test/setup/cli_test.sh [path/to/pnvme-setup]   (default build/bin/pnvme-setup)

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:-${PNVME_SETUP:-$ROOT/build/bin/pnvme-setup}}
[[ -x $BIN ]] || { echo "cli_test.sh: $BIN not built" >&2; exit 1; }

command -v python3 > /dev/null || { echo "cli_test.sh: python3 is needed to check --json" >&2; exit 1; }
# Start from an environment without any variable pnvme-setup reads or warns about.
for v in $(env | sed -n 's/^\(PCI_[A-Za-z0-9_]*\|HUGE[A-Za-z0-9_]*\|TARGET_USER\|NRHUGE\|CLEAR_HUGE\|DRIVER_OVERRIDE\|SKIP_PCI\|UNBIND_ENTIRE_IOMMU_GROUP\)=.*/\1/p'); do
    unset "$v"
done

pass=0 fail=0
AS=()   # command prefix, to run as another user (or with variables: env X=Y)
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

# out_has PATTERN / err_has PATTERN / no_err: what the last run printed.
out_has() { if grep -q -- "$1" "$OUT"; then ok "  ... stdout has '$1'"; else bad "  ... stdout lacks '$1':"; sed 's/^/    | /' "$OUT" "$ERR"; fi; }
err_has() { if grep -q -- "$1" "$ERR"; then ok "  ... stderr has '$1'"; else bad "  ... stderr lacks '$1':"; sed 's/^/    | /' "$OUT" "$ERR"; fi; }
no_err() { if [[ ! -s $ERR ]]; then ok "  ... nothing on stderr"; else bad "  ... stderr not empty:"; sed 's/^/    | /' "$ERR"; fi; }

# json PYTHON-EXPR: stdout is one JSON document d for which EXPR is true.
json() {
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$1" 2>/dev/null; then
        ok "  ... JSON: $1"
    else
        bad "  ... JSON: $1 does not hold:"; sed 's/^/    | /' "$OUT" "$ERR"
    fi
}

# stderr_line PATTERN: stderr is one line, prefixed, matching PATTERN (stdout may
# have the environment lines or the status table).
stderr_line() {
    if [[ $(wc -l < "$ERR") == 1 ]] && grep -q "^pnvme-setup: .*$1" "$ERR"; then
        ok "  ... one stderr line: $(cat "$ERR")"
    else
        bad "  ... wanted one stderr line matching '$1':"; sed 's/^/    | /' "$OUT" "$ERR"
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

run 0 "status --json" status --json
json 'sorted(d) == ["environment", "functions", "hugepages", "version"]'
json 'd["version"] == "'"$version"'" and isinstance(d["functions"], list)'
json 'd["environment"] == {"HUGEMEM": None, "PCI_ALLOWED": None, "PCI_BLOCKED": None, "TARGET_USER": None}'
json 'sorted(d["hugepages"]) == ["free", "hugetlbfs", "page_size_kib", "total"]'
json 'all(sorted(f) == sorted(["bdf", "vendor_id", "device_id", "driver", "iommu_group", "numa_node", "block_devices", "in_use", "in_use_by", "vfio_node", "vfio_node_owner", "vfio_node_mode", "selected", "excluded_by"]) for f in d["functions"])'
run 0 "--json status (option first)" --json status
json 'isinstance(d["functions"], list)'
run 2 "--json with bind" --json bind
error_line "--json goes with status, not 'bind'"
run 2 "--user with reset" --user nobody reset
error_line "--user goes with bind or config, not 'reset'"
run 2 "--user with status" status --user nobody
error_line "--user goes with bind or config"
run 2 "--user without a value" bind --user
error_line "--user needs a value"
run 2 "cleanup with a PCI address" cleanup 00:01.0
error_line "cleanup takes no PCI address"
run 2 "config: bad BDF (config is bind)" config 00:00.8
error_line "is not a PCI address"

echo "# SPDK setup.sh's environment"
AS=(env HUGEMEM=256 PCI_ALLOWED="00:04.0, 0000:00:05.0" PCI_BLOCKED=0000:00:06.0 TARGET_USER=nobody)
run 0 "status with HUGEMEM, PCI_ALLOWED, PCI_BLOCKED, TARGET_USER" status
out_has "^environment: HUGEMEM=256 (MiB"
out_has "^environment: PCI_ALLOWED=0000:00:04.0 0000:00:05.0 (only these"
out_has "^environment: PCI_BLOCKED=0000:00:06.0 (never these"
out_has "^environment: TARGET_USER=nobody "
no_err
run 0 "status --json with them" status --json
json 'd["environment"] == {"HUGEMEM": 256, "PCI_ALLOWED": ["0000:00:04.0", "0000:00:05.0"], "PCI_BLOCKED": ["0000:00:06.0"], "TARGET_USER": "nobody"}'
json 'all(f["selected"] == (f["bdf"] in ("0000:00:04.0", "0000:00:05.0")) for f in d["functions"])'
no_err
AS=(env HUGEMEM=lots)
run 2 "HUGEMEM not a number" status
error_line "HUGEMEM wants a number of MiB, not 'lots'"
AS=(env PCI_ALLOWED="0000:00:04.0 zz")
run 2 "PCI_ALLOWED with a bad address" bind
error_line "PCI_ALLOWED: 'zz' is not a PCI address"
AS=(env PCI_BLOCKED="00:20.0")
run 2 "PCI_BLOCKED with a bad address" status
error_line "PCI_BLOCKED: '00:20.0' is not a PCI address"
AS=(env PCI_ALOWED=0000:00:04.0)
run 0 "a misspelt PCI_ALOWED is warned about" status
stderr_line "warning: unknown variable PCI_ALOWED ignored"
AS=(env HUGEPAGES=512)
run 0 "an unknown HUGEPAGES is warned about" status
stderr_line "warning: unknown variable HUGEPAGES ignored"
AS=(env NRHUGE=512)
run 0 "setup.sh's NRHUGE: not supported, says what to use" status
stderr_line "warning: NRHUGE (setup.sh) is not supported, ignored; use HUGEMEM"
AS=(env PCI_WHITELIST=0000:00:04.0)
run 0 "setup.sh's old PCI_WHITELIST: says PCI_ALLOWED" status
stderr_line "warning: PCI_WHITELIST (setup.sh) is not supported, ignored; use PCI_ALLOWED"
AS=(env HUGETLB_PATH=/x HUGETLB_MORECORE=yes PCI_SLOT_NAME=0000:00:04.0 PCI_ID=1B36:0010 PCI_CLASS=10802 PCI_SUBSYS_ID=1AF4:1100)
run 0 "libhugetlbfs's HUGETLB_* and udev's PCI uevent variables are not ours" status
no_err
AS=()

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
    run 1 "config $b (an alias of bind)" config "$b"
    error_line "$b: no such PCI device"
    limits=/etc/security/limits.d/pnvme-nobody.conf
    had_limits=0; [[ -e $limits ]] && had_limits=1
    run 1 "bind --user nobody $b (no such device)" bind --user nobody "$b"
    error_line "$b: no such PCI device"
    if [[ $had_limits == 1 || ! -e $limits ]]; then ok "  ... no memlock file written (nothing bound)"; else bad "  ... wrote $limits"; rm -f "$limits"; fi
    run 1 "bind --user of a user that does not exist" bind --user no-such-user-pnvme "$b"
    error_line "no such user 'no-such-user-pnvme'"
    AS=(env TARGET_USER=no-such-user-pnvme)
    run 1 "TARGET_USER of a user that does not exist" config "$b"
    stderr_line "no such user 'no-such-user-pnvme'"
    AS=(env PCI_BLOCKED="$b")
    run 1 "bind $b named while PCI_BLOCKED lists it" bind "$b"
    stderr_line "$b: named, but PCI_BLOCKED lists it; not touching it"
    AS=(env PCI_ALLOWED=0000:00:00.0)
    run 1 "reset $b named while PCI_ALLOWED does not list it" reset "$b"
    stderr_line "$b: named, but PCI_ALLOWED does not list it; not touching it"
    AS=(env PCI_ALLOWED="$b")
    run 0 "bind (all) while PCI_ALLOWED lists only an absent address: touches nothing" bind
    out_has "^no NVMe function"
    AS=()
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
        run 1 "cleanup as non-root" cleanup
        error_line "cleanup needs root"
        run 1 "config as non-root" config 0000:99:00.0
        error_line "bind needs root"
        run 0 "status as non-root"
        AS=()
    fi
else
    run 1 "bind as non-root" bind 0000:99:00.0
    error_line "bind needs root"
    run 1 "cleanup as non-root" cleanup
    error_line "cleanup needs root"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
