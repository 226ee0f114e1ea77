#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# make install and make uninstall, and an embedder's build against what was
# installed, out of the tree, with pkg-config only:
#  1. make install DESTDIR=tmp puts exactly the files it should under the
#     configured directories, and make uninstall DESTDIR=tmp removes every one;
#  2. installed into a temporary prefix, each examples/*.c builds with
#     pkg-config against the shared library and against libpnvme.a (pnvme and
#     DPDK linked in, the C library and the rest shared), and runs against
#     trtype:sim; then make uninstall leaves no file in the prefix;
#  3. configure --with-dpdk=DIR writes a pnvme.pc that finds that DPDK without
#     PKG_CONFIG_PATH (its static flags, with its -L), and --libdir/--includedir
#     reach pnvme.pc.
#
#   test/install/install_test.sh      (after make)
#
# The last line is "install: N passed, N failed"; the exit status is 1 if any failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/test/cli_lib.sh"

# make in the tree, on its own (not a sub-make of the make check that runs this).
mk() { MAKEFLAGS='' make -s --no-print-directory -C "$root" "$@"; }
summary() {
	echo "install: $pass passed, $fail failed"
	# make install PREFIX=<tmp> rewrote build/lib/pnvme.pc: the configured one again.
	mk pc >/dev/null 2>&1
	[ "$fail" -eq 0 ]
	exit
}
# no_files DIR: DIR holds no file or link (empty directories may stay).
no_files() {
	[ -z "$(find "$1" ! -type d)" ]
}

version=$(make_version)
major=${version%%.*}
cc=$(mk print-CC)
tools=$(for t in $(mk print-APPS); do echo "pnvme-$t"; done) # app/fio is a plugin, not a tool
headers=$(cd "$root/include/pnvme" && for h in *.h; do echo "$h"; done)

# ---------------------------------------------------------------- 1. DESTDIR
dest=$tmp/dest
if mk install DESTDIR="$dest" >"$tmp/log" 2>&1; then
	ok "make install DESTDIR=..."
else
	not_ok "make install DESTDIR=... failed" "$(tail -n 20 "$tmp/log")"
	summary
fi
libdir=$(mk print-LIBDIR)
includedir=$(mk print-INCLUDEDIR)
bindir=$(mk print-BINDIR)
{
	for f in libpnvme.a libpnvme.so "libpnvme.so.$major" "libpnvme.so.$version" \
		pkgconfig/pnvme.pc; do
		echo "$dest$libdir/$f"
	done
	for h in $headers; do echo "$dest$includedir/pnvme/$h"; done
	for t in $tools; do echo "$dest$bindir/$t"; done
	# The fio ioengine, when make built it (fio's sources fetched).
	[ -f "$root/build/lib/pnvme_fio.so" ] && echo "$dest$libdir/pnvme_fio.so"
} | sort >"$tmp/want"
find "$dest" ! -type d | sort >"$tmp/got"
if cmp -s "$tmp/want" "$tmp/got"; then
	ok "installed: $(wc -l <"$tmp/got") files, the libraries, pnvme.pc, headers and tools"
else
	not_ok "installed files differ from the list (- wanted, + there)" \
		"$(diff -u "$tmp/want" "$tmp/got" | grep '^[-+]/')"
fi
if [ "$(readlink "$dest$libdir/libpnvme.so.$major")" = "libpnvme.so.$version" ] &&
	[ "$(readlink "$dest$libdir/libpnvme.so")" = "libpnvme.so.$major" ]; then
	ok "libpnvme.so -> libpnvme.so.$major -> libpnvme.so.$version"
else
	not_ok "shared library links" "$(ls -l "$dest$libdir"/libpnvme.so*)"
fi
if [ -f "$root/build/lib/pnvme_fio.so" ] && command -v fio >/dev/null; then
	if fio --enghelp="$dest$libdir/pnvme_fio.so" 2>&1 | grep -q pnvme_qsize; then
		ok "fio loads the installed ioengine and lists its options"
	else
		not_ok "fio --enghelp=$dest$libdir/pnvme_fio.so" \
			"$(fio --enghelp="$dest$libdir/pnvme_fio.so" 2>&1 | tail -n 3)"
	fi
fi
if cmp -s "$root/build/lib/libpnvme.a" "$dest$libdir/libpnvme.a"; then
	ok "the installed libpnvme.a is the public one (not libpnvme_internal.a)"
else
	not_ok "the installed libpnvme.a is not build/lib/libpnvme.a"
fi
mk uninstall DESTDIR="$dest" >"$tmp/log" 2>&1
if no_files "$dest" && [ ! -e "$dest$includedir/pnvme" ]; then
	ok "make uninstall DESTDIR=...: no file left, include/pnvme gone"
else
	not_ok "make uninstall left:" "$(find "$dest" ! -type d; cat "$tmp/log")"
fi

# ---------------------------------------------------------------- 2. a prefix
p=$tmp/prefix
dirs="PREFIX=$p LIBDIR=$p/lib INCLUDEDIR=$p/include BINDIR=$p/bin"
# shellcheck disable=SC2086 # $dirs is four words
if mk install $dirs >"$tmp/log" 2>&1; then
	ok "make install PREFIX=<tmp>"
else
	not_ok "make install PREFIX=<tmp> failed" "$(tail -n 20 "$tmp/log")"
	summary
fi
PKG_CONFIG_PATH=$p/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
got=$(pkg-config --modversion pnvme 2>&1)
if [ "$got" = "$version" ]; then
	ok "pkg-config --modversion pnvme: $version"
else
	not_ok "pkg-config --modversion pnvme: '$got', wanted $version"
fi
if pkg-config --static --libs pnvme >"$tmp/out" 2>"$tmp/err" && grep -q -- "-L$p/lib -lpnvme" "$tmp/out"
then
	ok "pkg-config --static --libs pnvme resolves every Requires.private"
else
	not_ok "pkg-config --static --libs pnvme" "$(cat "$tmp/out" "$tmp/err")"
fi
got=$("$p/bin/pnvme-identify" --version 2>&1)
if [ "$got" = "pnvme-identify $version" ]; then
	ok "installed pnvme-identify --version: $got"
else
	not_ok "installed pnvme-identify --version: '$got'"
fi

# Each example, as an embedder builds it. One calling DPDK itself asks for libdpdk too.
for src in "$root"/examples/*.c; do
	[ -e "$src" ] || break
	name=$(basename "$src" .c)
	pkgs=pnvme
	grep -q '^#include <rte_' "$src" && pkgs="pnvme libdpdk"
	# shellcheck disable=SC2046,SC2086 # pkg-config's flags are words
	if $cc -Wall -Wextra -Werror -o "$tmp/$name-shared" "$src" \
		$(pkg-config --cflags --libs $pkgs) >"$tmp/cc.err" 2>&1; then
		ok "$name: cc \$(pkg-config --cflags --libs $pkgs)"
		if LD_LIBRARY_PATH=$p/lib ldd "$tmp/$name-shared" | grep -q "libpnvme.so.$major => $p/lib/"
		then
			ok "$name (shared): runs with the installed libpnvme.so.$major"
		else
			not_ok "$name (shared): not linked to $p/lib/libpnvme.so.$major"
		fi
		if LD_LIBRARY_PATH=$p/lib timeout 60 "$tmp/$name-shared" >"$tmp/out" 2>&1; then
			ok "$name (shared): exit 0 against trtype:sim"
		else
			not_ok "$name (shared): failed" "$(cat "$tmp/out")"
		fi
	else
		not_ok "$name: shared build failed" "$(head -n 20 "$tmp/cc.err")"
	fi
	# Static: libpnvme.a and --static, with --as-needed so that no shared library
	# found for a -l already satisfied by an archive (libpnvme.so, DPDK's) stays.
	# DPDK's archives come once, through pnvme's Requires.private (naming libdpdk
	# again would link its whole-archive drivers twice).
	# shellcheck disable=SC2046,SC2086
	if $cc -Wall -Wextra -Werror -o "$tmp/$name-static" "$src" $(pkg-config --cflags $pkgs) \
		"$(pkg-config --variable=libdir pnvme)/libpnvme.a" -Wl,--as-needed \
		$(pkg-config --static --libs pnvme) >"$tmp/cc.err" 2>&1; then
		ok "$name: cc libpnvme.a \$(pkg-config --static --libs pnvme)"
		if ldd "$tmp/$name-static" | grep -Eq 'libpnvme|librte_'; then
			not_ok "$name (static): still loads a shared pnvme or DPDK" \
				"$(ldd "$tmp/$name-static" | grep -E 'libpnvme|librte_')"
		else
			ok "$name (static): pnvme and DPDK linked in"
		fi
		if timeout 60 "$tmp/$name-static" >"$tmp/out" 2>&1; then
			ok "$name (static): exit 0 against trtype:sim"
		else
			not_ok "$name (static): failed" "$(cat "$tmp/out")"
		fi
	else
		hint=
		grep -q 'cannot find -lsystemd' "$tmp/cc.err" &&
			hint="(-lsystemd: Debian package libsystemd-dev; test/deps.sh check installs it)"
		not_ok "$name: static build failed $hint" "$(grep -v 'warning:' "$tmp/cc.err" | head -n 20)"
	fi
done

# The embedder's first try: everything static. Not possible with Debian 12's
# packages (no libsystemd.a or libisal.a; libpcap.a and DPDK's librte_bpf.a both
# define bpf_validate); said, not counted, so that a system where it works shows it.
# shellcheck disable=SC2046
if $cc -static -o "$tmp/all-static" "$root/examples/hello_pnvme.c" \
	$(pkg-config --static --cflags --libs pnvme) >"$tmp/cc.err" 2>&1; then
	echo "note cc -static (everything static) links here too"
else
	echo "note cc -static (everything static) does not link here:" \
		"$(grep -Eo 'cannot find -l[^:]*|multiple definition of .[a-z_]*' "$tmp/cc.err" |
			tr -d "\`'" | sort -u | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
fi

# shellcheck disable=SC2086
mk uninstall $dirs >"$tmp/log" 2>&1
if no_files "$p"; then
	ok "make uninstall PREFIX=<tmp>: no file left in the prefix"
else
	not_ok "make uninstall left:" "$(find "$p" ! -type d; cat "$tmp/log")"
fi

# ---------------------------------------------------------------- 3. configure
# A DPDK of its own: Debian's libdpdk.pc with its prefix moved; configure and
# make pc only, in a copy of what they read.
src=$tmp/src
mkdir -p "$src/lib" "$tmp/dpdk/lib/pkgconfig"
cp -r "$root/configure" "$root/Makefile" "$root/dpdk-config" "$root/include" "$src/"
cp "$root/lib/pnvme.pc.in" "$root/lib/libpnvme.map" "$src/lib/"
dpdk_pc=$(pkg-config --variable=pcfiledir libdpdk)
for f in libdpdk libdpdk-libs; do
	# shellcheck disable=SC2016 # ${prefix} is pkg-config's
	sed -e "s|^prefix=.*|prefix=$tmp/dpdk|" -e 's|^libdir=.*|libdir=${prefix}/lib|' \
		"$dpdk_pc/$f.pc" >"$tmp/dpdk/lib/pkgconfig/$f.pc"
done
if (cd "$src" && ./configure --with-dpdk="$tmp/dpdk" && make -s pc) >"$tmp/log" 2>&1; then
	pc=$src/build/lib/pnvme.pc
	libs=$(PKG_CONFIG_PATH='' pkg-config --static --libs "$pc" 2>&1)
	if ! grep -q '^Requires.private:.*libdpdk' "$pc" &&
		echo "$libs" | grep -q -- "-L$tmp/dpdk/lib .*-l:librte_eal.a"; then
		ok "configure --with-dpdk: pnvme.pc carries that DPDK's -L and static libraries"
	else
		not_ok "configure --with-dpdk: pnvme.pc" "$(cat "$pc"; echo "$libs")"
	fi
else
	not_ok "configure --with-dpdk failed" "$(cat "$tmp/log")"
fi
# shellcheck disable=SC2016 # ${prefix} is pkg-config's
if (cd "$src" && ./configure --prefix=/opt/pn --libdir=/opt/pn/lib64 --includedir=/opt/inc &&
	make -s pc) >"$tmp/log" 2>&1 &&
	grep -qx 'libdir=${prefix}/lib64' "$src/build/lib/pnvme.pc" &&
	grep -qx 'includedir=/opt/inc' "$src/build/lib/pnvme.pc" &&
	grep -qx 'prefix=/opt/pn' "$src/build/lib/pnvme.pc"; then
	ok "configure --libdir --includedir: in pnvme.pc"
else
	not_ok "configure --libdir --includedir" "$(cat "$tmp/log" "$src/build/lib/pnvme.pc")"
fi

summary
