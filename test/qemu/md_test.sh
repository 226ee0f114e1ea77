#!/bin/sh
# Guest side of the second boot of "make check-qemu" (test/qemu/check.sh runs
# test/qemu/run.sh --layout md with this script): metadata, end-to-end
# protection information and SGLs on the real path, QEMU 7.2's emulated NVMe
# controllers through vfio-pci. One controller per namespace format (run.sh,
# layout md), so each pnvme-perf run meets one format.
#
# - pnvme-identify, text and JSON, on every controller: the eight LBA formats
#   QEMU 7.2 offers and the one in use, the metadata size, extended or
#   separate, MC and DPC, the PI type in use and where it lies, the size in
#   blocks, SGLs supported, no fused operations (QEMU 7.2 has no fused Compare
#   and Write);
# - pnvme-perf --verify (random reads and writes, QD 8, 2 s) on each namespace:
#   without -e, with PI check flags and with PRACT where the namespace has PI,
#   and with SGL and PRP data pointers forced. Each run must exit 0 with reads
#   checked and 0 mismatches (data and metadata; PI too wherever it reaches
#   the host), no I/O error, and a header naming the format and the mode.
# - PI type 3 with PRCHK_REFTAG: the NVM command set lets a controller abort
#   it (Invalid Protection Information) or not compare the tag; QEMU 7.2
#   aborts. Either is accepted; anything else fails.
#
# Ends with "N passed, N failed"; exit status 1 when a check failed.
#   test/qemu/run.sh --layout md test/qemu/md_test.sh

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
started=$(date +%s)

# The layout, as run.sh builds it: NAME:DATA:METADATA:EXTENDED:PI_TYPE:PI_FIRST.
LAYOUT="SEP:512:8:0:0:0 EXT:512:8:1:0:0 PI1:512:8:0:1:0 PI3:512:8:0:3:1 4K64:4096:64:0:0:0
PI1EXT:512:8:1:1:0 PI2EXT4K:4096:64:1:2:0"
# QEMU 7.2's LBA formats (hw/nvme/ns.c), index: data+metadata.
QEMU_LBAF="0:512:0 1:512:8 2:512:16 3:512:64 4:4096:0 5:4096:8 6:4096:16 7:4096:64"

bdf_of() { # bdf_of NAME
	for kv in $PNVME_MD_CTRLS; do
		[ "${kv%%=*}" = "$1" ] && { echo "${kv#*=}"; return 0; }
	done
	return 1
}
# Sets NAME DS MS EXT PI FIRST, BDF, IDX (QEMU's format index), FLBAS, DPS, BLOCKS.
layout_of() { # layout_of NAME
	for e in $LAYOUT; do
		[ "${e%%:*}" = "$1" ] || continue
		IFS=: read -r NAME DS MS EXT PI FIRST <<EOF
$e
EOF
		BDF=$(bdf_of "$NAME")
		IDX=
		for f in $QEMU_LBAF; do
			[ "${f#*:}" = "$DS:$MS" ] && IDX=${f%%:*}
		done
		FLBAS=$((IDX + 16 * EXT))
		DPS=$((PI + 8 * FIRST))
		BLOCKS=$((PNVME_MD_IMG_BYTES / (DS + MS)))
		return 0
	done
	return 1
}
names() { for e in $LAYOUT; do echo "${e%%:*}"; done; }

[ -n "$PNVME_MD_CTRLS" ] || { bad "no PNVME_MD_CTRLS: not booted with run.sh --layout md"; echo "$pass passed, $fail failed"; exit 1; }
for n in $(names); do
	bdf_of "$n" >/dev/null || bad "controller $n missing from PNVME_MD_CTRLS ($PNVME_MD_CTRLS)"
done

# ---- pnvme-identify ------------------------------------------------------------

# MISSING collects what a section lacks; want SECTION-FILE DESC ERE.
want() {
	grep -Eq -- "$3" "$1" || MISSING="$MISSING
    lacks $2: /$3/"
}

if pnvme-identify >/tmp/id.txt 2>&1; then ok "identify: every controller bound to vfio-pci"; else bad "identify (exit $?)"; cat /tmp/id.txt; fi
n=$(grep -c '^Controller ' /tmp/id.txt)
if [ "$n" = 7 ]; then ok "identify shows 7 controllers"; else bad "identify shows $n controllers, not 7"; fi
for n in $(names); do
	layout_of "$n"
	awk -v t="traddr:$BDF" '/^Controller /{on = index($0, t) > 0} on' /tmp/id.txt >/tmp/sec
	MISSING=
	want /tmp/sec model '^  Model number +QEMU NVMe Ctrl$'
	want /tmp/sec serial "^  Serial number +PNVME-MD-$NAME\$"
	want /tmp/sec "SGL support" '^  SGL +supported, '
	want /tmp/sec "no fused operations" '^  Fused operations +none \(FUSES 0x0000\)$'
	want /tmp/sec "8 LBA formats" '^  LBA formats +8 \(NLBAF 7\)$'
	for f in $QEMU_LBAF; do
		i=${f%%:*} d=${f#*:}
		use=
		[ "$i" = "$IDX" ] && use=' \(in use\)'
		want /tmp/sec "format $i" "^    #$i  data ${d%:*} bytes, metadata ${d#*:} bytes, performance best$use\$"
	done
	[ "$(grep -c '(in use)' /tmp/sec)" = 1 ] || MISSING="$MISSING
    more than one format in use"
	flbas=$(printf '0x%02x' "$FLBAS")
	if [ "$EXT" = 1 ]; then
		want /tmp/sec metadata "^  Metadata +$MS bytes per block, extended LBA: after each block's data \\(FLBAS $flbas\\)\$"
	else
		want /tmp/sec metadata "^  Metadata +$MS bytes per block, in a separate buffer \\(FLBAS $flbas\\)\$"
	fi
	want /tmp/sec MC '^  Metadata capabilities +extended LBA, separate buffer \(MC 0x03\)$'
	want /tmp/sec DPC '^  PI capabilities +type 1, type 2, type 3, first 8 bytes of metadata,$'
	want /tmp/sec DPC '^ +last 8 bytes of metadata \(DPC 0x1f\)$'
	dps=$(printf '0x%02x' "$DPS")
	if [ "$PI" = 0 ]; then
		want /tmp/sec "PI in use" "^  PI in use +none \\(DPS $dps\\)\$"
		pi_str="no PI"
	else
		where=last
		[ "$FIRST" = 1 ] && where=first
		want /tmp/sec "PI in use" "^  PI in use +type $PI, in the $where 8 bytes of metadata \\(DPS $dps\\)\$"
		pi_str="PI type $PI ($where 8 bytes)"
	fi
	[ "$PNVME_MD_IMG_BYTES" -gt 0 ] &&
		want /tmp/sec size "^  Size +$BLOCKS blocks of $DS bytes "
	kind=separate
	[ "$EXT" = 1 ] && kind=extended
	if [ -z "$MISSING" ]; then
		ok "identify $NAME: $DS+$MS $kind, $pi_str, format #$IDX of 8 in use, $BLOCKS blocks," \
			"$(sed -n 's/^  SGL  *//p' /tmp/sec), no fused operations"
	else
		bad "identify $NAME ($BDF):$MISSING"
		cat /tmp/sec
	fi
done

if pnvme-identify --json >/tmp/id.json 2>/tmp/id.err; then ok "identify --json"; else bad "identify --json (exit $?)"; cat /tmp/id.err; fi
b() { [ "$1" = 1 ] && echo true || echo false; }
# One line per controller, without blanks (strings lose theirs too).
tr -d ' \n' </tmp/id.json | sed 's/{"trid"/\n&/g' >/tmp/id.lines
for n in $(names); do
	layout_of "$n"
	grep -F "\"traddr\":\"$BDF\"" /tmp/id.lines >/tmp/sec
	MISSING=
	for w in "\"serial\":\"PNVME-MD-$NAME\"" '"sgl":{"raw":' '"supported":true,' \
		'"fuses":{"raw":0,"compare_and_write":false}' \
		"\"sector_size\":$DS,\"metadata_size\":$MS," \
		"\"lba_format_in_use\":$IDX,\"flbas\":$FLBAS,\"metadata_extended\":$(b "$EXT")," \
		'"mc":{"raw":3,"extended":true,"separate":true}' \
		'"dpc":{"raw":31,"type1":true,"type2":true,"type3":true,"first":true,"last":true}' \
		"\"dps\":{\"raw\":$DPS,\"pi_type\":$PI,\"first\":$(b "$FIRST")}" \
		'"num_lba_formats":8,' "\"size_blocks\":$BLOCKS,"; do
		[ "$w" = '"size_blocks":0,' ] && continue # image size unknown
		grep -qF -- "$w" /tmp/sec || MISSING="$MISSING $w"
	done
	if [ -z "$MISSING" ]; then
		ok "identify --json $NAME: format, metadata, PI, SGL and FUSES fields"
	else
		bad "identify --json $NAME ($BDF) lacks:$MISSING"
	fi
done

# ---- pnvme-perf --verify ---------------------------------------------------------

# perf NAME [pnvme-perf options]: random reads and writes with --verify on
# NAME's namespace. PI reaches the host, and is checked, on every PI format
# but with PRACT on 8 bytes of metadata (nothing but data moves then).
perf() {
	layout_of "$1"
	shift
	desc="perf $NAME${*:+ $*}"
	t0=$(date +%s)
	pnvme-perf -r "$BDF" -w randrw -M 50 -q 8 -t 2 --verify "$@" >/tmp/out 2>&1
	rc=$?
	t=$(($(date +%s) - t0))
	why=
	[ "$rc" = 0 ] || why="$why exit $rc;"
	grep -Eq '^verify: [1-9][0-9]* reads checked, 0 mismatches$' /tmp/out ||
		why="$why no 'verify: N reads checked, 0 mismatches';"
	pi_host=no
	if [ "$PI" != 0 ]; then
		pi_host=yes
		case " $* " in *PRACT*) [ "$MS" = 8 ] && pi_host=no ;; esac
	fi
	if [ $pi_host = yes ]; then
		grep -Eq '^protection information: [1-9][0-9]* reads checked, 0 mismatches$' /tmp/out ||
			why="$why no 'protection information: N reads checked, 0 mismatches';"
	elif grep -q '^protection information:' /tmp/out; then
		why="$why PI checked on the host, where it does not reach it;"
	fi
	grep -q 'I/O errors' /tmp/out && why="$why I/O errors;"
	case " $* " in
	*" --sgl "*) mode=SGL ;;
	*" --prp "*) mode=PRP ;;
	*) mode=auto ;;
	esac
	grep -q ", data pointers $mode, " /tmp/out || why="$why header does not say 'data pointers $mode';"
	kind=separate
	[ "$EXT" = 1 ] && kind=extended
	fmt="$DS + $MS bytes ($kind metadata), no PI"
	if [ "$PI" != 0 ]; then
		where=last
		[ "$FIRST" = 1 ] && where=first
		fmt="$DS + $MS bytes ($kind metadata), PI type $PI in the $where 8 bytes; "
		case " $* " in
		*PRACT*) fmt="${fmt}PI inserted by the controller (PRACT)" ;;
		*) fmt="${fmt}PI written by pnvme-perf" ;;
		esac
	fi
	grep -qF "Namespace $BDF ns 1: $fmt" /tmp/out || why="$why no 'Namespace $BDF ns 1: $fmt';"
	if [ -z "$why" ]; then
		ok "$desc: $(sed -n 's/^verify: //p' /tmp/out)$([ $pi_host = yes ] && echo ', PI checked too') (${t}s)"
	else
		bad "$desc:$why"
		cat /tmp/out
	fi
}

perf SEP
perf SEP --sgl
perf SEP --prp

perf EXT
perf EXT --sgl
perf EXT --prp

perf PI1
perf PI1 -e PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG
perf PI1 -e PRACT
perf PI1 --sgl -e PRCHK_GUARD,PRCHK_REFTAG
perf PI1 --prp -e PRCHK_GUARD,PRCHK_REFTAG

perf PI3
perf PI3 -e PRCHK_GUARD,PRCHK_APPTAG
perf PI3 -e PRACT
perf PI3 --sgl -e PRCHK_GUARD
perf PI3 --prp -e PRCHK_GUARD

# Type 3 and PRCHK_REFTAG: "should not compare" the tag; a command aborted for
# it "should" end with Invalid Protection Information, "may" with Invalid Field
# in Command (NVM Command Set). QEMU 7.2 aborts every such command.
layout_of PI3
pnvme-perf -r "$BDF" -w randrw -M 50 -q 8 -t 2 --verify -e PRCHK_GUARD,PRCHK_REFTAG >/tmp/out 2>&1
rc=$?
nerr=$(grep -c ' failed: ' /tmp/out)
nother=$(grep ' failed: ' /tmp/out | grep -Evc 'failed: (Invalid Protection Information|Invalid Field in Command)')
if [ "$rc" = 0 ] && grep -Eq '^verify: [1-9][0-9]* reads checked, 0 mismatches$' /tmp/out; then
	ok "perf PI3 -e PRCHK_GUARD,PRCHK_REFTAG: the controller did not compare the tag, 0 mismatches"
elif [ "$rc" = 1 ] && [ "$nerr" -gt 0 ] && [ "$nother" = 0 ] && ! grep -q ' [1-9][0-9]* mismatches' /tmp/out; then
	ok "perf PI3 -e PRCHK_GUARD,PRCHK_REFTAG: the controller aborts it" \
		"($(grep ' failed: ' /tmp/out | head -1 | sed 's/.*failed: //'); exit 1, no mismatch)"
else
	bad "perf PI3 -e PRCHK_GUARD,PRCHK_REFTAG: exit $rc, $nerr errors ($nother of another status)"
	cat /tmp/out
fi

perf 4K64
perf 4K64 --sgl
perf 4K64 --prp
perf 4K64 --sgl -o 128k
perf 4K64 --prp -o 128k

# Extended LBA with PI: PRACT on 8 bytes of PI leaves data alone in the buffer;
# with 64 bytes the host's metadata moves and the controller fills in the PI.
perf PI1EXT -e PRACT
perf PI1EXT --sgl -e PRACT,PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG
perf PI1EXT --prp -e PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG
perf PI2EXT4K
perf PI2EXT4K -e PRACT,PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG
perf PI2EXT4K --sgl -o 128k -e PRCHK_GUARD,PRCHK_REFTAG
perf PI2EXT4K --prp -o 128k -e PRACT

echo "md: $(($(date +%s) - started)) s in the guest"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
