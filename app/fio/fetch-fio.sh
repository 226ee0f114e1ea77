#!/bin/sh
# Fetch and configure the sources of the fio installed on this machine, so
# that the pnvme ioengine (app/fio/*.c) compiles against its exact headers.
#
#   app/fio/fetch-fio.sh [DIR]        (default build/fio-src)
#
# fio does not package its headers. This takes Debian's source package of the
# installed fio's version (apt-get source fio=VERSION), adding a deb-src entry
# for this machine's suite when there is none, and runs fio's own ./configure
# with the options debian/rules gives it (config-host.h: the same struct
# layouts as /usr/bin/fio). As root it installs what is missing (fio,
# dpkg-dev); otherwise it says what is. Nothing is fetched again when DIR
# already holds the configured sources of the installed version.
#
# Prints the source directory on its last line; exit status 0 when it is ready.
set -eu
dir=${1:-build/fio-src}

say() { echo "fetch-fio: $*" >&2; }
die() { say "$*"; exit 1; }

root=0
[ "$(id -u)" = 0 ] && root=1
export DEBIAN_FRONTEND=noninteractive

install_pkgs() {
	[ "$root" = 1 ] || die "missing: $* (apt-get install $*, as root)"
	say "installing $*"
	apt-get install -y -qq "$@" >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; } ||
		die "apt-get install $* failed"
}

command -v fio >/dev/null 2>&1 || install_pkgs fio
command -v dpkg-source >/dev/null 2>&1 || install_pkgs dpkg-dev
# The exact Debian version of the fio in use ("3.33-3"); the sources must match it.
version=$(dpkg-query -W -f='${Version}' fio 2>/dev/null || true)
[ -n "$version" ] || die "fio is not installed from a Debian package: cannot tell which sources match it"
upstream=${version#*:}
upstream=${upstream%-*}
src=$dir/fio-$upstream
stamp=$src/.pnvme-fio-version

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] && [ -f "$src/config-host.h" ]; then
	echo "$src"
	exit 0
fi

# A deb-src entry for this suite, added when none exists.
have_deb_src() {
	grep -Eqs '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}
if ! have_deb_src; then
	[ "$root" = 1 ] || die "no deb-src entry in /etc/apt/sources.list*: add one for your suite (as root), or run this as root"
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$suite" ] || die "cannot tell the Debian suite from /etc/os-release"
	# The same mirror as the deb entries where one is named.
	uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*debian\/*\)$/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\)[[:space:]]\{1,\}'"$suite"'[[:space:]].*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | head -n 1)
	[ -n "$uri" ] || uri=http://deb.debian.org/debian
	say "adding a deb-src entry: $uri $suite main (/etc/apt/sources.list.d/pnvme-deb-src.sources)"
	cat >/etc/apt/sources.list.d/pnvme-deb-src.sources <<SRC
Types: deb-src
URIs: $uri
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -qq || die "apt-get update failed after adding the deb-src entry"
fi

rm -rf "$dir"
mkdir -p "$dir"
say "apt-get source fio=$version into $dir"
(cd "$dir" && apt-get source -qq "fio=$version" >source.log 2>&1) || {
	# The package lists may predate the deb-src entry.
	if [ "$root" = 1 ]; then
		apt-get update -qq && (cd "$dir" && apt-get source -qq "fio=$version" >source.log 2>&1)
	else
		false
	fi
} || die "apt-get source fio=$version failed: $(tail -n 3 "$dir/source.log")"
[ -d "$src" ] || die "apt-get source did not give $src"

# debian/rules: ./configure --disable-native --prefix=/usr --enable-gfio --enable-libnbd.
# gfio and libnbd add programs and an engine, not fields to the structures an
# ioengine sees, and need GTK and libnbd: left out here.
say "configuring fio $upstream (its own ./configure)"
(cd "$src" && ./configure --disable-native --prefix=/usr >configure.out 2>&1) ||
	die "fio's ./configure failed: $(tail -n 5 "$src/configure.out")"
echo "$version" >"$stamp"
echo "$src"
