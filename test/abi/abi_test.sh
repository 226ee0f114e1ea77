#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# What the libraries promise an embedder (docs/api.md, "ABI"):
#  - libpnvme.a and libpnvme.so define only pnvme_* global names, the same set;
#  - the shared library's SONAME is libpnvme.so.MAJOR;
#  - a program that defines names pnvme uses inside (collide.c: nvme_ctrlr_fail,
#    env_pci_attach, sim_regs_init) links with libpnvme.a, and with libpnvme.so,
#    and runs: its calls reach its own functions, the driver's reach the driver's.
# A control shows the test can fail: the same program against the internal
# archive (build/lib/libpnvme_internal.a, every object as compiled, for the
# project's own tests) must not link.
#
#   test/abi/abi_test.sh        (after make; uses build/)
#
# The last line is "abi: N passed, N failed"; the exit status is 1 if any failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/test/cli_lib.sh"

lib=$root/build/lib
a=$lib/libpnvme.a
so=$lib/libpnvme.so
internal=$lib/libpnvme_internal.a
summary() {
	echo "abi: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
for f in "$a" "$so" "$internal"; do
	[ -e "$f" ] || { not_ok "$f is missing: build it with make"; summary; }
done

# Defined global names (functions, data, weak) of an archive or a shared library.
globals() {
	nm "$@" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[A-TV-Z]$/ { print $3 }' | sort -u
}
globals -g --defined-only "$a" >"$tmp/a.syms"
globals -D --defined-only "$so" >"$tmp/so.syms"

for kind in a so; do
	name=libpnvme.$kind
	n=$(wc -l <"$tmp/$kind.syms")
	others=$(grep -v '^pnvme_' "$tmp/$kind.syms")
	if [ "$n" -gt 0 ] && [ -z "$others" ]; then
		ok "$name: $n global names defined, every one pnvme_*"
	else
		not_ok "$name: $n global names, these not pnvme_*:" "$others"
	fi
	if grep -qx pnvme_version "$tmp/$kind.syms" && grep -qx pnvme_connect "$tmp/$kind.syms"; then
		ok "$name: defines pnvme_version and pnvme_connect"
	else
		not_ok "$name: pnvme_version or pnvme_connect missing"
	fi
done
if cmp -s "$tmp/a.syms" "$tmp/so.syms"; then
	ok "libpnvme.a and libpnvme.so export the same names"
else
	not_ok "libpnvme.a and libpnvme.so export different names" \
		"$(diff "$tmp/a.syms" "$tmp/so.syms")"
fi

soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
major=$(sed -n 's/^VERSION_MAJOR := *//p' "$root/Makefile")
if [ "$soname" = "libpnvme.so.$major" ]; then
	ok "SONAME $soname"
else
	not_ok "SONAME '$soname', wanted libpnvme.so.$major"
fi

# The names collide.c defines are really there inside: global in the internal
# archive, local in the public one.
globals -g --defined-only "$internal" >"$tmp/internal.syms"
for s in nvme_ctrlr_fail env_pci_attach sim_regs_init; do
	if grep -qx "$s" "$tmp/internal.syms" && nm "$a" | grep -Eq " [tbdr] $s\$"; then
		ok "$s: global in libpnvme_internal.a, local in libpnvme.a"
	else
		not_ok "$s: not global in the internal archive and local in libpnvme.a" \
			"$(nm -A "$internal" "$a" 2>/dev/null | grep " $s\$")"
	fi
done

# How the project links a program with the library (build/config.mk's choices);
# make on its own, not a sub-make of the make check that runs this.
mk() { MAKEFLAGS='' make -s --no-print-directory -C "$root" "print-$1"; }
cc=$(mk CC)
ldflags=$(mk LDFLAGS)
libs=$(mk LIBS)
if ! $cc -std=c11 -Wall -Wextra -Werror -I"$root/include" -c "$here/collide.c" \
	-o "$tmp/collide.o" 2>"$tmp/cc.err"; then
	not_ok "collide.c does not compile" "$(cat "$tmp/cc.err")"
	summary
fi

# shellcheck disable=SC2086 # word splitting of the flags is wanted
link() {
	out=$1
	shift
	$cc $ldflags -o "$tmp/$out" "$tmp/collide.o" "$@" $libs >"$tmp/ld.err" 2>&1
}
# run_collide NAME: runs $tmp/NAME, which must say what it did and exit 0.
run_collide() {
	if "$@" >"$tmp/out" 2>"$tmp/err" && grep -q '^collide: pnvme .* attached and detached' "$tmp/out"
	then
		ok "$what: runs (its own functions and the driver's both called)"
	else
		not_ok "$what: run failed" "$(cat "$tmp/out" "$tmp/err")"
	fi
}

what="collide.o + libpnvme.a"
if link static "$a"; then
	ok "$what links"
	run_collide "$tmp/static"
	# pnvme_connect calls env_pci_attach and sim_regs_init: the run above reached the
	# library's. Each name is in the program twice: the program's global one, the
	# library's local one.
	for s in nvme_ctrlr_fail env_pci_attach sim_regs_init; do
		if [ "$(nm "$tmp/static" | grep -Ec " [Tt] $s\$")" -eq 2 ] &&
			nm "$tmp/static" | grep -q " T $s\$"; then
			ok "$what: two $s in the program, its own (global) and pnvme's (local)"
		else
			not_ok "$what: $s not in the program twice" "$(nm "$tmp/static" | grep " $s\$")"
		fi
	done
else
	not_ok "$what does not link" "$(head -n 8 "$tmp/ld.err")"
fi

what="collide.o + libpnvme.so"
if link shared -L"$lib" -lpnvme; then
	ok "$what links"
	run_collide env LD_LIBRARY_PATH="$lib" "$tmp/shared"
	if LD_LIBRARY_PATH="$lib" ldd "$tmp/shared" 2>/dev/null |
		grep -q "libpnvme.so.$major => $lib/"; then
		ok "$what: loads libpnvme.so.$major from build/lib"
	else
		not_ok "$what: libpnvme.so.$major not in its ldd" \
			"$(LD_LIBRARY_PATH="$lib" ldd "$tmp/shared" 2>&1)"
	fi
else
	not_ok "$what does not link" "$(head -n 8 "$tmp/ld.err")"
fi

what="control: collide.o + libpnvme_internal.a"
if link control "$internal"; then
	not_ok "$what links: the collision this test looks for cannot happen"
elif grep -q "multiple definition of .nvme_ctrlr_fail" "$tmp/ld.err"; then
	ok "$what fails: multiple definition of nvme_ctrlr_fail"
else
	not_ok "$what fails for another reason" "$(head -n 8 "$tmp/ld.err")"
fi

summary
