#!/bin/busybox sh
# A model, written for piman's tests, of the Pi-side script of the old
# piman.py project: github.com/SJSU-CS-systems-group/piman, file
# install/initram/hello_protocol.sh. piman promises that old initramfs images
# keep working, so the tests run this model against the real servers.
#
# It is not a copy: the project commits no code taken from other
# repositories. It was written from that script's observable behaviour on the
# control socket, which is all piman sees, and reproduces it step by step:
#   - stderr joined to stdout and `set -x`: the shell trace goes to piman;
#   - "Hello World", MAKING NODES, (mount point, device nodes), MADE NODES;
#   - CHECKING IF INSTALLED, then in one go: mount p2 on /m, `stat /m/bin`
#     (its output goes to piman too), IS_INSTALLED, umount, and at once
#     MOUNTING, mount p2 on /new_root, FINISHED MOUNTING -- all of it BEFORE
#     the first command is read; on an empty card only IS_UNINSTALLED;
#   - then forever: read lines up to EOM, echo the block, and
#       boot   -> RECIEVED BOOT (sic), MOUNTING, FINISHED MOUNTING, exit 0
#       format -> FORMATTING, partition + mkfs (twice, as the original does),
#                 mount p2 on /m, FINISHED FORMATTING, IS_FORMATTED, then in /m
#                 `nc $master 4444 | gunzip | tar -xf -` (nc's stdin is still
#                 the control socket), MOUNTING, FINISHED MOUNTING, exit 0
#       other  -> "Sorry don't know how to do <block>" (piman's date command
#                 lands here: the old script has no date case).
# Differences, all so that it can run in a test: the disk commands (mknod,
# sfdisk, mkfs.ext4, mount, umount) come from the file $PIMAN_HOOKS, which
# also points the paths $m (/m), $new_root (/new_root) at folders; the rootfs
# port is $install_port (4444); at the end of the socket it exits, where the
# original keeps answering empty blocks until a write kills it; its unused
# `ip` and `reinstall` commands are left out.
exec 2>&1
m=/m
new_root=/new_root
install_port="${install_port:-4444}"
# Without shims this would partition the machine's disk: refuse.
[ -n "$PIMAN_HOOKS" ] || { echo "old-hello-protocol.sh: PIMAN_HOOKS (disk shims) is not set"; exit 2; }
. "$PIMAN_HOOKS"
set -x

send() {
    echo "$1"
}

# The lines of one block up to EOM, each followed by a newline.
recv() {
    msg=""
    while read line; do
        if [ "x$line" == "xEOM" ]; then
            echo -n "$msg"
            return 0
        fi
        msg="$msg$line
"
    done
    echo -n "$msg"
    return 1
}

partition() {
    sfdisk /dev/mmcblk0 <<PARTS
label: dos
unit: sectors
/dev/mmcblk0p1 : start= 8192, size= 88472, type=c
/dev/mmcblk0p2 : start= 98304, type=83
PARTS
}

format() {
    send "FORMATTING"
    partition
    mkfs.ext4 /dev/mmcblk0p2 -L rootfs
    partition
    sfdisk --dump /dev/mmcblk0
    mkfs.ext4 /dev/mmcblk0p2 -L rootfs
    mount -t ext4 /dev/mmcblk0p2 "$m"
    send "FINISHED FORMATTING"
}

mounting() {
    send "MOUNTING"
    mkdir -p "$new_root"
    mount -t ext4 /dev/mmcblk0p2 "$new_root"
    send "FINISHED MOUNTING"
}

makenode() {
    send "MAKING NODES"
    mkdir "$m"
    mknod /dev/mmcblk0 b 179 0
    mknod /dev/mmcblk0p1 b 179 1
    mknod /dev/mmcblk0p2 b 179 2
    send "MADE NODES"
}

checkinstalled() {
    send "CHECKING IF INSTALLED"
    ( mount -t ext4 /dev/mmcblk0p2 "$m" && stat "$m/bin" && send "IS_INSTALLED" && umount "$m" && mounting ) || ( send "IS_UNINSTALLED" )
}

send "Hello World"
makenode
checkinstalled

while true; do
    req="`recv`" || [ -n "$req" ] || exit 1
    send "$req"
    case "$req" in
    boot)
        send "RECIEVED BOOT"
        mounting
        exit 0
        ;;
    format)
        format
        send "IS_FORMATTED"
        cd "$m"
        nc $master $install_port | gunzip | tar -xf -
        mounting
        exit 0
        ;;
    *)
        send "Sorry don't know how to do $req"
        ;;
    esac
done
