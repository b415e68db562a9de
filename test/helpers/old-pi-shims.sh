# Disk commands for test/helpers/old-hello-protocol.sh (sourced through
# PIMAN_HOOKS). The SD card is a folder: its root filesystem is the folder
# $target, and "$target.fs" marks that partition 2 holds a filesystem (an
# empty card has none, so mounting it fails as on a real Pi). Nothing real is
# partitioned or mounted. Steps go to $PIMAN_TEST_LOG, as with pi-hooks.sh:
# `format` per mkfs, `mount` per mount of the new root.
m="$target"
new_root="$target.new_root"
card_fs="$target.fs"

mknod() { :; }
umount() { :; }
sfdisk() {
    if [ "$1" = --dump ]; then
        printf 'label: dos\ndevice: /dev/mmcblk0\nunit: sectors\n\n/dev/mmcblk0p1 : start=        8192, size=       88472, type=c\n/dev/mmcblk0p2 : start=       98304, type=83\n'
        return 0
    fi
    cat >/dev/null
    echo "Checking that no-one is using this disk right now ... OK"
    echo "The partition table has been altered."
}
mount() {
    # mount -t ext4 <device> <dir>
    if [ ! -e "$card_fs" ]; then
        echo "mount: mounting $3 on $4 failed: Invalid argument"
        return 255
    fi
    [ "$4" = "$new_root" ] && echo mount >>"$PIMAN_TEST_LOG"
    return 0
}
# `mkfs.ext4` is no valid shell function name: a command in a folder put first on PATH.
_shims="${TMPDIR:-/tmp}/old-pi-shims"
mkdir -p "$_shims"
cat >"$_shims/mkfs.ext4" <<SHIM
#!/bin/busybox sh
echo "mke2fs 1.47.0 (5-Feb-2023)"
echo format >>"\$PIMAN_TEST_LOG"
rm -rf "$m" && mkdir -p "$m" && : >"$card_fs"
SHIM
chmod 755 "$_shims/mkfs.ext4"
PATH="$_shims:$PATH"
