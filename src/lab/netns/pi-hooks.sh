# Hardware steps of pi/hello_protocol.sh for a virtual Pi: the "SD card" is
# the folder $target, nothing is partitioned or mounted and the clock is left
# alone. Each step is appended to $PIMAN_TEST_LOG.
make_nodes() { mkdir -p "$target"; }
set_clock() { echo "clock $1" >>"$PIMAN_TEST_LOG"; }
is_installed() { [ -d "$target/bin" ] && [ -d "$target/sbin" ]; }
format_disk() {
    echo format >>"$PIMAN_TEST_LOG"
    rm -rf "$target" && mkdir -p "$target"
}
unpacked() { echo unpacked >>"$PIMAN_TEST_LOG"; }
mount_root() { echo mount >>"$PIMAN_TEST_LOG"; }
