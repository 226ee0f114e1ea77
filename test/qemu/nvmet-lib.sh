# shellcheck shell=sh
# NVMe/TCP in the guest: the kernel's own target (nvmet, nvmet-tcp, driven
# through configfs) and the kernel's own initiator (nvme-tcp, with nvme-cli
# when it was included). busybox sh. Installed by run.sh as
# /lib/pnvme/nvmet-lib.sh; guest scripts source it after guest-lib.sh:
#
#   . /lib/pnvme/guest-lib.sh
#   . /lib/pnvme/nvmet-lib.sh
#   nvmet_load
#   nvmet_subsys_add nqn.2014-08.io.pnvme:t1 "$(nvmet_file /tmp/t1.img 64)"
#   nvmet_port_add 1 127.0.0.1 4420
#   nvmet_port_add 2 127.0.0.1 8009 discovery
#   nvmet_port_link 1 nqn.2014-08.io.pnvme:t1
#   kernel_tcp_connect nqn.2014-08.io.pnvme:t1 --hdr-digest --data-digest
#   dd if=/dev/zero of="$KTCP_BLK" bs=4k count=1 oflag=direct
#   kernel_tcp_disconnect nqn.2014-08.io.pnvme:t1
#   nvmet_teardown
#
# Target:
#   nvmet_load                  modules (configfs, crc32c for digests, t10-pi,
#                               nvmet, nvmet-tcp), configfs mounted at
#                               /sys/kernel/config, lo up
#   nvmet_file PATH SIZE_MIB    a zeroed file of that size (on /tmp: tmpfs);
#                               prints PATH
#   nvmet_nullb NAME SIZE_MIB [MEMORY_BACKED [DISCARD]]
#                               a null_blk device made through configfs;
#                               prints /dev/NAME. MEMORY_BACKED 1 (default)
#                               keeps what is written; 0 is a pure null
#                               device for benchmarks (reads return
#                               nothing in particular, no data is moved).
#                               DISCARD 1 (memory backed only): discards
#                               free the blocks, which then read zeroes
#                               (nvmet's Deallocate becomes a discard)
#   nvmet_subsys_add NQN BACKING [NSID]
#                               subsystem (any host allowed) with namespace
#                               NSID (default 1) on BACKING, a block device
#                               or a regular file (served with buffered_io:
#                               nvmet opens files O_DIRECT, which tmpfs
#                               refuses). Again on an existing NQN: one
#                               more namespace.
#   nvmet_port_add PORTID ADDR SVCID [discovery]
#                               a tcp/ipv4 port. Linux's discovery
#                               controller answers on every port but lists,
#                               on each, only the subsystems linked to that
#                               port: a port marked "discovery" is linked by
#                               nvmet_port_link to every subsystem exported
#                               on any port, so that one well-known address
#                               (8009 by convention) lists them all.
#   nvmet_port_link PORTID NQN  export NQN on PORTID (the port starts
#                               listening at its first link); waits until it
#                               listens
#   nvmet_port_unlink PORTID NQN
#                               stop exporting NQN there (the target port
#                               going away under a connected host); the
#                               discovery ports drop NQN once no other port
#                               exports it
#   nvmet_teardown              kernel initiator controllers deleted, then
#                               every link, port, namespace, subsystem and
#                               null_blk device removed
#   nvmet_listening SVCID       true when something listens on TCP SVCID
#
# Kernel initiator (nvme-core, nvme-fabrics, nvme-tcp):
#   kernel_tcp_connect NQN [nvme connect options]
#                               connects to $NVMET_ADDR:$NVMET_SVCID
#                               (127.0.0.1:4420 unless set; -a/-s in the
#                               options win) and waits for the namespace.
#                               Sets KTCP_CTRL (nvme0), KTCP_BLK
#                               (/dev/nvme0n1) and KTCP_CHR (/dev/ng0n1).
#                               Options: nvme-cli's (--hdr-digest,
#                               --data-digest, --nr-poll-queues N,
#                               --duplicate-connect, ...). Without nvme-cli
#                               in the guest the common ones are translated
#                               for /dev/nvme-fabrics.
#                               NVME_CORE_ARGS (e.g. multipath=N) goes to
#                               nvme-core when kernel_tcp_connect loads it
#                               first: with native multipath (Debian's
#                               default) the nodes are the subsystem's head
#                               (/dev/nvme0n1 over path nvme0c0n1); with
#                               multipath=N they are the controller's own.
#   kernel_tcp_load             only the initiator's modules (the same)
#   kernel_tcp_disconnect NQN   deletes every controller connected to NQN
#   kernel_tcp_ctrls NQN        the kernel's controllers of NQN (nvme0 ...)
#   kernel_hostnqn              makes /etc/nvme/hostnqn and hostid if absent
#
# Every function reports what failed on stderr and returns non-zero; they
# work in scripts with set -e too.

NVMET_CFS=/sys/kernel/config
NVMET_DIR=$NVMET_CFS/nvmet
NVMET_STATE=/run/pnvme-nvmet
NVMET_ADDR=${NVMET_ADDR:-127.0.0.1}
NVMET_SVCID=${NVMET_SVCID:-4420}
KTCP_CTRL='' KTCP_BLK='' KTCP_CHR=''

nvmet_err() { echo "nvmet: $*" >&2; return 1; }

# Write VALUE to a configfs attribute, saying which one failed.
nvmet_set() { # nvmet_set FILE VALUE
    echo "$2" > "$1" 2>/dev/null || nvmet_err "cannot write '$2' to ${1#"$NVMET_CFS"/}"
}

nvmet_load() {
    if [ ! -d /sys/module/configfs ] && [ -f "$PNVME_MODDIR/configfs.ko" ]; then
        insmod "$PNVME_MODDIR/configfs.ko" || return 1
    fi
    grep -q " $NVMET_CFS configfs" /proc/mounts ||
        mount -t configfs none "$NVMET_CFS" || nvmet_err "cannot mount configfs" || return 1
    load_modules nvmet || nvmet_err "modules did not all load" || return 1
    [ -d "$NVMET_DIR" ] || nvmet_err "no $NVMET_DIR after loading nvmet" || return 1
    mkdir -p "$NVMET_STATE" && touch "$NVMET_STATE/discovery-ports"
    ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up ||
        nvmet_err "cannot bring lo up" || return 1
}

nvmet_file() { # nvmet_file PATH SIZE_MIB
    mkdir -p "$(dirname "$1")"
    rm -f "$1"
    # Zero-filled and allocated (not sparse): tmpfs then holds the pages and
    # a short write fails here rather than in the middle of a test.
    dd if=/dev/zero of="$1" bs=1M count="$2" 2>/dev/null ||
        nvmet_err "cannot make a ${2} MiB file at $1" || return 1
    echo "$1"
}

nvmet_nullb() { # nvmet_nullb NAME SIZE_MIB [MEMORY_BACKED [DISCARD]]
    d_=$NVMET_CFS/nullb/$1
    if [ ! -d /sys/module/null_blk ]; then
        # No device at load time: they are made through configfs.
        insmod "$PNVME_MODDIR/null_blk.ko" nr_devices=0 ||
            nvmet_err "insmod null_blk failed" || return 1
    fi
    [ -d "$NVMET_CFS/nullb" ] || nvmet_err "no $NVMET_CFS/nullb" || return 1
    mkdir "$d_" || nvmet_err "cannot make null_blk device $1" || return 1
    nvmet_set "$d_/size" "$2" &&                 # MiB
    nvmet_set "$d_/blocksize" 512 &&
    nvmet_set "$d_/memory_backed" "${3:-1}" &&
    nvmet_set "$d_/irqmode" 0 &&                 # complete in the submitter
    { [ "${4:-0}" = 0 ] || nvmet_set "$d_/discard" 1; } &&
    nvmet_set "$d_/power" 1 || return 1
    i_=0
    while [ ! -b "/dev/$1" ] && [ $i_ -lt 50 ]; do sleep 0.1; i_=$((i_ + 1)); done
    [ -b "/dev/$1" ] || nvmet_err "/dev/$1 did not appear" || return 1
    echo "/dev/$1"
}

nvmet_subsys_add() { # nvmet_subsys_add NQN BACKING [NSID]
    s_=$NVMET_DIR/subsystems/$1
    n_=$s_/namespaces/${3:-1}
    [ -e "$2" ] || nvmet_err "backing $2 does not exist" || return 1
    if [ ! -d "$s_" ]; then
        mkdir "$s_" || nvmet_err "cannot make subsystem $1" || return 1
        nvmet_set "$s_/attr_allow_any_host" 1 || return 1
    fi
    mkdir "$n_" || nvmet_err "cannot make namespace ${3:-1} of $1" || return 1
    nvmet_set "$n_/device_path" "$2" || return 1
    if [ -f "$2" ]; then
        nvmet_set "$n_/buffered_io" 1 || return 1
    fi
    nvmet_set "$n_/enable" 1 || return 1
}

nvmet_port_add() { # nvmet_port_add PORTID ADDR SVCID [discovery]
    p_=$NVMET_DIR/ports/$1
    mkdir "$p_" || nvmet_err "cannot make port $1" || return 1
    nvmet_set "$p_/addr_trtype" tcp &&
    nvmet_set "$p_/addr_adrfam" ipv4 &&
    nvmet_set "$p_/addr_traddr" "$2" &&
    nvmet_set "$p_/addr_trsvcid" "$3" || return 1
    mkdir -p "$NVMET_STATE"
    case ${4:-} in
        discovery)
            echo "$1" >> "$NVMET_STATE/discovery-ports"
            # What is already exported elsewhere is listed here too.
            for l_ in "$NVMET_DIR"/ports/*/subsystems/*; do
                [ -e "$l_" ] || [ -L "$l_" ] || continue
                [ -e "$p_/subsystems/${l_##*/}" ] ||
                    ln -s "$NVMET_DIR/subsystems/${l_##*/}" "$p_/subsystems/${l_##*/}" ||
                    nvmet_err "cannot link ${l_##*/} to discovery port $1" || return 1
            done ;;
        '') ;;
        *) nvmet_err "nvmet_port_add: unknown flag '$4'" ;;
    esac
}

nvmet_is_discovery_port() {
    grep -qx "$1" "$NVMET_STATE/discovery-ports" 2>/dev/null
}

# True when a socket listens on TCP port SVCID (decimal), IPv4 or IPv6.
nvmet_listening() {
    hex_=$(printf ':%04X' "$1")
    # Column 2 is local address:port, 4 the state (0A: LISTEN).
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        awk -v p="$hex_" '$4 == "0A" && substr($2, length($2) - 4) == p {f = 1} END {exit !f}'
}

nvmet_port_link() { # nvmet_port_link PORTID NQN
    s_=$NVMET_DIR/subsystems/$2
    [ -d "$s_" ] || nvmet_err "no subsystem $2" || return 1
    [ -d "$NVMET_DIR/ports/$1" ] || nvmet_err "no port $1" || return 1
    ports_="$1"
    nvmet_is_discovery_port "$1" ||
        ports_="$1 $(cat "$NVMET_STATE/discovery-ports" 2>/dev/null || true)"
    for p_ in $ports_; do
        l_=$NVMET_DIR/ports/$p_/subsystems/$2
        [ -e "$l_" ] && continue
        ln -s "$s_" "$l_" || nvmet_err "cannot link $2 to port $p_" || return 1
        svc_=$(cat "$NVMET_DIR/ports/$p_/addr_trsvcid")
        i_=0
        while ! nvmet_listening "$svc_" && [ $i_ -lt 50 ]; do sleep 0.1; i_=$((i_ + 1)); done
        nvmet_listening "$svc_" || nvmet_err "port $p_ does not listen on $svc_" || return 1
    done
}

nvmet_port_unlink() { # nvmet_port_unlink PORTID NQN
    l_=$NVMET_DIR/ports/$1/subsystems/$2
    [ -L "$l_" ] || nvmet_err "$2 is not linked to port $1" || return 1
    rm "$l_" || nvmet_err "cannot unlink $2 from port $1" || return 1
    # Still exported on another (non-discovery) port? Then discovery keeps it.
    for l_ in "$NVMET_DIR"/ports/*/subsystems/"$2"; do
        [ -L "$l_" ] || continue
        p_=${l_%/subsystems/*}; p_=${p_##*/}
        nvmet_is_discovery_port "$p_" || return 0
    done
    for p_ in $(cat "$NVMET_STATE/discovery-ports" 2>/dev/null); do
        l_=$NVMET_DIR/ports/$p_/subsystems/$2
        [ -L "$l_" ] && { rm "$l_" || nvmet_err "cannot unlink $2 from discovery port $p_" || return 1; }
    done
    return 0
}

nvmet_teardown() {
    rc_=0
    for c_ in /sys/class/nvme/nvme*; do
        [ "$(cat "$c_/transport" 2>/dev/null)" = tcp ] || continue
        echo 1 > "$c_/delete_controller" 2>/dev/null || rc_=1
    done
    [ -d "$NVMET_DIR" ] || return $rc_
    for l_ in "$NVMET_DIR"/ports/*/subsystems/* "$NVMET_DIR"/subsystems/*/allowed_hosts/*; do
        [ -L "$l_" ] && { rm "$l_" || rc_=1; }
    done
    for d_ in "$NVMET_DIR"/ports/*/referrals/*; do
        [ -d "$d_" ] || continue
        echo 0 > "$d_/enable" 2>/dev/null; rmdir "$d_" || rc_=1
    done
    for d_ in "$NVMET_DIR"/ports/*; do [ -d "$d_" ] && { rmdir "$d_" || rc_=1; }; done
    for d_ in "$NVMET_DIR"/subsystems/*/namespaces/*; do
        [ -d "$d_" ] || continue
        echo 0 > "$d_/enable"; rmdir "$d_" || rc_=1
    done
    for d_ in "$NVMET_DIR"/subsystems/* "$NVMET_DIR"/hosts/*; do
        [ -d "$d_" ] && { rmdir "$d_" || rc_=1; }
    done
    for d_ in "$NVMET_CFS"/nullb/*; do
        [ -d "$d_" ] || continue
        echo 0 > "$d_/power" 2>/dev/null; rmdir "$d_" || rc_=1
    done
    : > "$NVMET_STATE/discovery-ports"
    [ $rc_ = 0 ] || nvmet_err "teardown left something behind"
}

# ---- the kernel's initiator ---------------------------------------------------

kernel_hostnqn() {
    mkdir -p /etc/nvme
    if [ ! -s /etc/nvme/hostid ]; then
        cat /proc/sys/kernel/random/uuid > /etc/nvme/hostid
    fi
    if [ ! -s /etc/nvme/hostnqn ]; then
        echo "nqn.2014-08.org.nvmexpress:uuid:$(cat /etc/nvme/hostid)" > /etc/nvme/hostnqn
    fi
}

# The kernel's controllers (nvme0 ...) connected over tcp to NQN.
kernel_tcp_ctrls() {
    for c_ in /sys/class/nvme/nvme*; do
        [ -e "$c_/subsysnqn" ] || continue
        [ "$(cat "$c_/transport" 2>/dev/null)" = tcp ] || continue
        [ "$(cat "$c_/subsysnqn")" = "$1" ] && echo "${c_##*/}"
    done
}

# The first namespace's block device of controller C (nvme0): /dev/nvmeSnN
# with native multipath (the path nvmeScXnN under the controller), else
# /dev/nvmeXnN.
kernel_ctrl_blk() {
    for p_ in /sys/class/nvme/"$1"/nvme*n*; do
        [ -e "$p_" ] || continue
        p_=${p_##*/}
        case $p_ in
            *c*n*) s_=${p_%%c*}; echo "/dev/${s_}n${p_##*n}" ;;
            *) echo "/dev/$p_" ;;
        esac
        return 0
    done
    return 1
}

# nvme-core, nvme-fabrics, nvme-tcp and what they need; $NVME_CORE_ARGS to
# nvme-core (load_modules passes arguments to nvme alone).
kernel_tcp_load() {
    rc_=0
    for ko_ in $(cat "$PNVME_MODDIR/nvmf.list"); do
        name_=$(echo "${ko_%.ko}" | tr - _)
        [ -d "/sys/module/$name_" ] && continue
        args_=
        [ "$name_" = nvme_core ] && args_=${NVME_CORE_ARGS:-}
        # shellcheck disable=SC2086
        insmod "$PNVME_MODDIR/$ko_" $args_ || { nvmet_err "insmod $ko_ $args_ failed"; rc_=1; }
    done
    return $rc_
}

kernel_tcp_connect() { # kernel_tcp_connect NQN [nvme connect options]
    nqn_=$1; shift
    kernel_tcp_load || nvmet_err "initiator modules did not all load" || return 1
    kernel_hostnqn
    before_=$(kernel_tcp_ctrls "$nqn_")
    if command -v nvme >/dev/null 2>&1; then
        out_=$(nvme connect -t tcp -a "$NVMET_ADDR" -s "$NVMET_SVCID" -n "$nqn_" \
               --hostnqn="$(cat /etc/nvme/hostnqn)" --hostid="$(cat /etc/nvme/hostid)" "$@" 2>&1)
        st_=$?
    else
        # /dev/nvme-fabrics speaks "key=value,..." (what nvme-cli writes).
        o_="transport=tcp,traddr=$NVMET_ADDR,trsvcid=$NVMET_SVCID,nqn=$nqn_"
        o_="$o_,hostnqn=$(cat /etc/nvme/hostnqn),hostid=$(cat /etc/nvme/hostid)"
        while [ $# -gt 0 ]; do
            case $1 in
                -g|--hdr-digest) o_="$o_,hdr_digest" ;;
                -G|--data-digest) o_="$o_,data_digest" ;;
                -D|--duplicate-connect) o_="$o_,duplicate_connect" ;;
                -P|--nr-poll-queues) o_="$o_,nr_poll_queues=$2"; shift ;;
                --nr-poll-queues=*) o_="$o_,nr_poll_queues=${1#*=}" ;;
                -i|--nr-io-queues) o_="$o_,nr_io_queues=$2"; shift ;;
                --nr-io-queues=*) o_="$o_,nr_io_queues=${1#*=}" ;;
                -a) o_=$(echo "$o_" | sed "s/traddr=[^,]*/traddr=$2/"); shift ;;
                -s) o_=$(echo "$o_" | sed "s/trsvcid=[^,]*/trsvcid=$2/"); shift ;;
                *) nvmet_err "kernel_tcp_connect: $1 needs nvme-cli in the guest"; return 1 ;;
            esac
            shift
        done
        out_=$( (echo "$o_" > /dev/nvme-fabrics) 2>&1)
        st_=$?
    fi
    if [ $st_ != 0 ]; then
        nvmet_err "connect to $nqn_ failed (status $st_): $out_"
        return 1
    fi
    KTCP_CTRL='' KTCP_BLK='' KTCP_CHR=''
    for c_ in $(kernel_tcp_ctrls "$nqn_"); do
        # shellcheck disable=SC2086,SC2116  # the list on one line
        case " $(echo $before_) " in *" $c_ "*) ;; *) KTCP_CTRL=$c_ ;; esac
    done
    [ -n "$KTCP_CTRL" ] || nvmet_err "connected, but no new controller of $nqn_" || return 1
    i_=0
    while [ $i_ -lt 100 ]; do
        KTCP_BLK=$(kernel_ctrl_blk "$KTCP_CTRL") && [ -b "$KTCP_BLK" ] && break
        sleep 0.1; i_=$((i_ + 1))
    done
    [ -b "$KTCP_BLK" ] || nvmet_err "$KTCP_CTRL has no namespace block device" || return 1
    KTCP_CHR=/dev/ng${KTCP_BLK#/dev/nvme}
    [ -c "$KTCP_CHR" ] || KTCP_CHR=''
    echo "kernel_tcp_connect: $nqn_ -> $KTCP_CTRL, $KTCP_BLK${KTCP_CHR:+, $KTCP_CHR}"
}

kernel_tcp_disconnect() { # kernel_tcp_disconnect NQN
    rc_=0
    for c_ in $(kernel_tcp_ctrls "$1"); do
        echo 1 > "/sys/class/nvme/$c_/delete_controller" || rc_=1
    done
    i_=0
    while [ -n "$(kernel_tcp_ctrls "$1")" ] && [ $i_ -lt 100 ]; do sleep 0.1; i_=$((i_ + 1)); done
    [ -z "$(kernel_tcp_ctrls "$1")" ] || nvmet_err "controllers of $1 still there" || rc_=1
    return $rc_
}
