# Disk and clock commands for the old piman.py script
# (test/vendor/piman-py/hello_protocol.sh), sourced before it inside the
# chroot that enter.sh builds. Everything else the script runs is real
# busybox. The SD card's partition 2 is the folder $card; "$card.fs" marks
# that it holds a filesystem (an empty card has none, so mounting it fails as
# on a real Pi). A mount is a symlink from the mount point to $card, so the
# script's `stat /m/bin`, `cd /m` and `tar -xf -` work on the card itself.
# Steps go to $PIMAN_TEST_LOG: `clock` per date set, `format` per mkfs,
# `mount` per mount of the new root.

mknod() { :; }

sfdisk() {
    if [ "$1" = --dump ]; then
        printf 'label: dos\ndevice: /dev/mmcblk0\nunit: sectors\n\n/dev/mmcblk0p1 : start=        8192, size=       88472, type=c\n/dev/mmcblk0p2 : start=       98304, size=    62423040, type=83\n'
        return 0
    fi
    cat >/dev/null
    echo "Checking that no-one is using this disk right now ... OK"
    echo "The partition table has been altered."
}

# mount -t ext4 <device> <dir>
mount() {
    if [ ! -e "$card.fs" ]; then
        echo "mount: mounting $3 on $4 failed: Invalid argument"
        return 255
    fi
    # Mounted there already: the kernel stacks a second mount of the card.
    if [ ! -L "$4" ]; then
        [ -d "$4" ] || { echo "mount: mounting $3 on $4 failed: No such file or directory"; return 255; }
        /bin/busybox rmdir "$4" || return 255
        /bin/busybox ln -s "$card" "$4"
    fi
    [ "$4" = /new_root ] && echo mount >>"$PIMAN_TEST_LOG"
    return 0
}

# umount <dir> | umount <device>: the device unmounts wherever it is mounted.
umount() {
    case "$1" in
    /dev/*) set -- /m /new_root ;;
    esac
    _done=1
    for _d in "$@"; do
        if [ -L "$_d" ]; then
            /bin/busybox rm "$_d" && /bin/busybox mkdir "$_d" && _done=0
        fi
    done
    [ "$_done" = 0 ] || echo "umount: can't unmount $1: Invalid argument"
    return "$_done"
}

# The script runs each `busybox date -s ...` it is sent: the test machine's
# clock must not change.
busybox() {
    if [ "$1" = date ]; then
        echo clock >>"$PIMAN_TEST_LOG"
        return 0
    fi
    /bin/busybox "$@"
}
