# Test replacements for the hardware steps of pi/hello_protocol.sh: no disk,
# no mounts, no clock change. Each step is recorded in $PIMAN_TEST_LOG.
make_nodes() { mkdir -p "$target"; }
set_clock() { echo "clock $1" >>"$PIMAN_TEST_LOG"; }
is_installed() { [ -d "$target/bin" ]; }
format_disk() {
    echo format >>"$PIMAN_TEST_LOG"
    rm -rf "$target" && mkdir -p "$target"
}
unpacked() { echo unpacked >>"$PIMAN_TEST_LOG"; }
mount_root() { echo mount >>"$PIMAN_TEST_LOG"; }
