#!/bin/busybox sh
# Runs the old piman.py project's Pi-side script, unchanged
# (test/vendor/piman-py/hello_protocol.sh), as its initramfs would:
# `busybox nc $master 3333 -e <this file>` gives it the control socket on
# stdin and stdout. The script works on absolute paths (/m, /new_root,
# /dev/mmcblk0) and would run `rm -rf /*` if it were ever sent `reinstall`,
# so it runs in a chroot: the folder that holds the SD card ($target's
# parent) with busybox and the libraries it links to. shims.sh (sourced first)
# replaces its disk and clock commands; nothing else is changed.
#
# Environment, as test/helpers/busybox-pi.ts and src/lab/netns/script-control.ts
# set it: master, target (the card's partition 2, a folder), PIMAN_TEST_LOG
# (inside target's parent), PIMAN_HOOKS (shims.sh); OLD_SCRIPT picks another
# vendored version (hello_protocol-7581d3a.sh, the first that runs). Needs root (chroot).
set -e
here="${0%/*}"
script="$here/../../vendor/piman-py/${OLD_SCRIPT:-hello_protocol.sh}"
root="${target%/*}"
card="/${target##*/}"
log="/${PIMAN_TEST_LOG#"$root"/}"
case "$PIMAN_TEST_LOG" in
"$root"/*) ;;
*) echo "enter.sh: PIMAN_TEST_LOG must be inside $root"; exit 2 ;;
esac
[ -n "$PIMAN_HOOKS" ] || { echo "enter.sh: PIMAN_HOOKS (shims.sh) is not set"; exit 2; }

# A fresh initramfs each boot: no mount points left from the last one.
for d in m new_root; do
    if [ -L "$root/$d" ]; then rm "$root/$d"; else rm -rf "$root/$d"; fi
done
mkdir -p "$root/bin" "$root/dev" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
[ -L "$root/bin/stat" ] || for a in $(/bin/busybox --list); do ln -sf busybox "$root/bin/$a"; done
for f in $(ldd /bin/busybox | grep -o '/[^ ]*'); do
    mkdir -p "$root${f%/*}"
    cp -L "$f" "$root$f"
done
cp "$here/mkfs.ext4" "$root/bin/mkfs.ext4"
cp "$PIMAN_HOOKS" "$root/piman-shims.sh"
cp "$script" "$root/hello_protocol.sh"
set +e
exec /bin/busybox chroot "$root" /bin/busybox env -i PATH=/bin master="$master" card="$card" PIMAN_TEST_LOG="$log" \
    /bin/sh -c '. /piman-shims.sh && . /hello_protocol.sh'
