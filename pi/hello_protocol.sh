#!/bin/busybox sh
# piman's Pi-side control script (the "hello protocol"). The initramfs `init`
# runs it as `nc $master 3333 -e /hello_protocol.sh`: stdin and stdout are
# the control socket. Compatible with the old piman.py server and script:
#   piman -> Pi : command lines closed by a line `EOM`
#                 (`busybox date -s YYYYmmddHHMM.SS`, then `boot` or `format`)
#   Pi -> piman : status lines (IS_INSTALLED, IS_UNINSTALLED, IS_FORMATTED,
#                 MOUNTING, FINISHED MOUNTING, ...); every command is echoed.
# After `format` the Pi partitions and formats its SD card, says IS_FORMATTED,
# receives `nc $master 4444 | gunzip | tar -xf -`, then confirms with
# IS_INSTALLED (or INSTALL_FAILED <why>), mounts the new root and exits 0; the
# init then switch_roots into it. After `boot` it only mounts and exits 0.
#
# Settings (environment; the kernel passes unknown cmdline words like
# `master=10.0.0.1` to init as variables):
#   master         piman's address (required)
#   install_port   rootfs port (4444)
#   disk           SD card device (/dev/mmcblk0); partition 2 is the root
#   target         where the new root is unpacked (/m)
#   piman_trace    1: send the shell trace (set -x) down the socket, like the old script
#   PIMAN_HOOKS    a file sourced after the defaults below, to replace the
#                  hardware steps (tests, other boards)
exec 2>&1
[ "${piman_trace:-0}" = 1 ] && set -x

install_port="${install_port:-4444}"
disk="${disk:-/dev/mmcblk0}"
target="${target:-/m}"
work="${TMPDIR:-/tmp}"

send() {
    echo "$1"
}

# One command block: lines up to `EOM`. Returns 1 when the socket closed first.
recv() {
    msg=""
    while read -r line; do
        line="${line%$(printf '\r')}"
        if [ "x$line" = "xEOM" ]; then
            printf '%s' "$msg"
            return 0
        fi
        msg="$msg$line
"
    done
    printf '%s' "$msg"
    return 1
}

# ---- hardware steps (PIMAN_HOOKS may redefine these) ----
make_nodes() {
    # devtmpfs normally provides these; the old initramfs had to make them.
    mkdir -p "$target"
    [ -b "$disk" ] || mknod "$disk" b 179 0
    [ -b "${disk}p1" ] || mknod "${disk}p1" b 179 1
    [ -b "${disk}p2" ] || mknod "${disk}p2" b 179 2
}

set_clock() {
    busybox date -s "$1" >/dev/null
}

is_installed() {
    mount -t ext4 "${disk}p2" "$target" 2>/dev/null || return 1
    [ -d "$target/bin" ] && [ -d "$target/sbin" ]
    rc=$?
    umount "$target"
    return $rc
}

format_disk() {
    # Same layout as the old script: p1 FAT (firmware) and p2 ext4 over the rest.
    if command -v sfdisk >/dev/null 2>&1; then
        printf 'label: dos\nstart=8192, size=88472, type=c\nstart=98304, type=83\n' | sfdisk "$disk" || return 1
    else
        printf 'o\nn\np\n1\n8192\n+44M\nt\nc\nn\np\n2\n98304\n\nw\n' | fdisk "$disk" >/dev/null || return 1
    fi
    if command -v mkfs.ext4 >/dev/null 2>&1; then
        mkfs.ext4 -F -q -L rootfs "${disk}p2" || return 1
    else
        mke2fs -L rootfs "${disk}p2" >/dev/null || return 1
    fi
    mount -t ext4 "${disk}p2" "$target"
}

unpacked() {
    sync
    umount "$target"
}

mount_root() {
    mkdir -p /new_root
    mount -t ext4 "${disk}p2" /new_root
}
# ---- end of hardware steps ----

if [ -n "$PIMAN_HOOKS" ]; then
    . "$PIMAN_HOOKS"
elif [ "$PIMAN_INITRAMFS" != 1 ]; then
    # This script wipes $disk: never run it by accident on a workstation.
    send "INSTALL_FAILED hello_protocol.sh runs only in piman's initramfs (PIMAN_INITRAMFS=1)"
    exit 2
fi
: "${master:?master (piman address) is not set}"

# Streams the archive into $target; all three stages must succeed (no pipefail in sh).
receive_rootfs() {
    rm -f "$work/nc.rc" "$work/gunzip.rc"
    ( cd "$target" &&
      { nc "$master" "$install_port" </dev/null; echo $? >"$work/nc.rc"; } |
      { gunzip; echo $? >"$work/gunzip.rc"; } |
      tar -xf - )
    tar_rc=$?
    nc_rc=$(cat "$work/nc.rc" 2>/dev/null || echo missing)
    gz_rc=$(cat "$work/gunzip.rc" 2>/dev/null || echo missing)
    if [ "$nc_rc" = 0 ] && [ "$gz_rc" = 0 ] && [ "$tar_rc" = 0 ]; then
        return 0
    fi
    failure="nc=$nc_rc gunzip=$gz_rc tar=$tar_rc"
    return 1
}

# Runs "$@" while telling piman every 10 s that this Pi is still busy
# (formatting a large card can take minutes without a line on the socket).
busy() {
    word="$1"
    shift
    ( while sleep 10; do echo "$word"; done ) &
    busy_pid=$!
    "$@"
    busy_rc=$?
    kill "$busy_pid" 2>/dev/null
    wait "$busy_pid" 2>/dev/null
    return $busy_rc
}

mounting() {
    send "MOUNTING"
    mount_root
    send "FINISHED MOUNTING"
}

send "Hello World"
make_nodes
send "CHECKING IF INSTALLED"
if is_installed; then
    send "IS_INSTALLED"
else
    send "IS_UNINSTALLED"
fi

while true; do
    req="$(recv)" || { [ -z "$req" ] && exit 1; }
    [ -z "$req" ] && continue
    send "$req"
    case "$req" in
    "busybox date -s "*)
        set_clock "${req#busybox date -s }"
        send "RECEIVED_DATE"
        ;;
    boot)
        send "RECEIVED_BOOT"
        mounting
        exit 0
        ;;
    format)
        send "RECEIVED_FORMAT"
        send "FORMATTING"
        if ! busy FORMATTING format_disk; then
            send "INSTALL_FAILED formatting $disk failed"
            exit 1
        fi
        send "FINISHED FORMATTING"
        send "IS_FORMATTED"
        send "RECEIVING"
        if ! receive_rootfs; then
            send "INSTALL_FAILED rootfs stream: $failure"
            exit 1
        fi
        if [ ! -d "$target/bin" ]; then
            send "INSTALL_FAILED the archive has no /bin"
            exit 1
        fi
        unpacked
        send "IS_INSTALLED"
        mounting
        exit 0
        ;;
    *)
        send "Sorry don't know how to do $req"
        ;;
    esac
done
