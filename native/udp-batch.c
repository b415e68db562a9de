/*
 * Datagram I/O for TFTP transfer sockets without a JavaScript object per
 * datagram (README, "Where the TFTP storm's CPU goes"). node:dgram builds a
 * Buffer and a remote-info object for every datagram received and enters
 * JavaScript once per datagram; on a boot storm that costs more CPU than
 * the whole of dnsmasq. Here one poller per thread watches every transfer
 * socket through an epoll set, itself watched by the thread's libuv loop:
 * when any is readable, one datagram of each ready socket goes into a shared
 * Int32Array (fd, length or -errno, first four bytes, spill offset) and
 * JavaScript is entered once for the whole batch. A 4-byte ACK needs no
 * more; any other datagram is copied into the shared spill area.
 *
 * It parses nothing: lengths and copies are bounded by the arrays given.
 * Built by scripts/build-native.mjs; without it piman uses node:dgram.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define ENTRY 4          /* int32s per received datagram */
#define MAX_DATAGRAM 1500 /* copied at most; the length reported is the real one (MSG_TRUNC) */

#define CALL(env, x)                                    \
  do {                                                  \
    if ((x) != napi_ok) {                               \
      napi_throw_error((env), "E_NATIVE_UDP", #x " failed"); \
      return NULL;                                      \
    }                                                   \
  } while (0)

typedef struct {
  napi_env env;
  napi_ref callback;
  napi_ref out_ref, spill_ref; /* keep the shared arrays alive */
  int32_t *out;
  size_t out_entries;
  uint8_t *spill;
  size_t spill_len;
  int epfd;
  int *fds; /* the watched sockets: closed with the thread if still open */
  size_t sockets, fds_cap; /* the loop is kept alive only while sockets > 0 */
  uv_poll_t poll;
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
} poller_t;

static napi_value int32_value(napi_env env, int32_t x) {
  napi_value v;
  napi_create_int32(env, x, &v);
  return v;
}

static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, "E_NATIVE_UDP", "missing arguments");
    return 0;
  }
  return 1;
}

/* Marks the externals this file made, so that no other value is taken for a poller. */
static const napi_type_tag POLLER_TAG = {0x7069616d6e2d7564ULL, 0x702d626174636801ULL};

/* The poller and the socket of a call (poller, fd); 0 with a JS exception pending when they are not. */
static int poller_call(napi_env env, napi_callback_info info, poller_t **p, int32_t *fd) {
  napi_value a[2];
  bool tagged = false;
  if (!args(env, info, 2, a)) return 0;
  if (napi_check_object_type_tag(env, a[0], &POLLER_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, a[0], (void **)p) != napi_ok) {
    napi_throw_type_error(env, "E_NATIVE_UDP", "not a poller");
    return 0;
  }
  if (napi_get_value_int32(env, a[1], fd) != napi_ok) {
    napi_throw_type_error(env, "E_NATIVE_UDP", "not a socket");
    return 0;
  }
  return 1;
}

/* open(bindAddress, peerAddress, peerPort) -> fd, or -errno: a UDP socket on a fresh port, connected to the peer. */
static napi_value udp_open(napi_env env, napi_callback_info info) {
  napi_value a[3];
  if (!args(env, info, 3, a)) return NULL;
  char local[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN];
  size_t len;
  int32_t port = -1;
  CALL(env, napi_get_value_string_utf8(env, a[0], local, sizeof local, &len));
  CALL(env, napi_get_value_string_utf8(env, a[1], peer, sizeof peer, &len));
  CALL(env, napi_get_value_int32(env, a[2], &port));
  if (port <= 0 || port > 65535) return int32_value(env, -EINVAL);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, local, &sa.sin_addr) != 1) return int32_value(env, -EINVAL);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return int32_value(env, -errno);
  int err = 0;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) err = errno;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (!err && inet_pton(AF_INET, peer, &to.sin_addr) != 1) err = EINVAL;
  if (!err && connect(fd, (struct sockaddr *)&to, sizeof to) < 0) err = errno;
  if (err) {
    close(fd);
    return int32_value(env, -err);
  }
  return int32_value(env, fd);
}

/* send(fd, buffer) -> bytes sent, or -errno. Never blocks. */
static napi_value udp_send(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (!args(env, info, 2, a)) return NULL;
  int32_t fd = -1;
  void *data;
  size_t len;
  CALL(env, napi_get_value_int32(env, a[0], &fd));
  CALL(env, napi_get_buffer_info(env, a[1], &data, &len));
  ssize_t n = send(fd, data, len, MSG_DONTWAIT);
  return int32_value(env, n < 0 ? -errno : (int32_t)n);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  poller_t *p = handle->data;
  struct epoll_event ready[64];
  int n = epoll_wait(p->epfd, ready, 64, 0);
  size_t k = 0, spilled = 0;
  uint8_t buf[MAX_DATAGRAM];
  /*
   * One datagram per ready socket and batch: a lock-step client has one ACK
   * in flight, so reading on until EAGAIN (as libuv does) would cost an
   * empty recv per block. The epoll set is level-triggered: a socket with
   * more waiting is ready again in the next batch.
   */
  for (int i = 0; i < n && k < p->out_entries; i++) {
    int fd = ready[i].data.fd;
    ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
    int32_t *e = p->out + ENTRY * k;
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      e[0] = fd, e[1] = -errno, e[2] = 0, e[3] = -1, k++;
      continue;
    }
    int32_t head = 0;
    for (ssize_t j = 0; j < 4; j++) head = (int32_t)((uint32_t)head << 8 | (j < r ? buf[j] : 0));
    e[0] = fd, e[1] = (int32_t)r, e[2] = head, e[3] = -1;
    if (r != 4) {
      size_t copy = (size_t)r < sizeof buf ? (size_t)r : sizeof buf;
      if (spilled + copy <= p->spill_len) {
        memcpy(p->spill + spilled, buf, copy);
        e[3] = (int32_t)spilled;
        spilled += copy;
      }
    }
    k++;
  }
  if (k == 0) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, global, count, result;
  napi_get_reference_value(env, p->callback, &fn);
  napi_get_global(env, &global);
  napi_create_int32(env, (int32_t)k, &count);
  if (napi_make_callback(env, p->async, global, fn, 1, &count, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

static void on_closed(uv_handle_t *handle) {
  poller_t *p = handle->data;
  /* A thread that ends (or dies) mid-transfer: node:dgram would close those sockets with it too. */
  for (size_t i = 0; i < p->sockets; i++) close(p->fds[i]);
  free(p->fds);
  close(p->epfd);
  napi_remove_async_cleanup_hook(p->cleanup);
  free(p);
}

/* The thread is ending (a worker's exit, or the process's): its loop must not keep the poll handle. */
static void on_env_cleanup(napi_async_cleanup_hook_handle hook, void *arg) {
  (void)hook;
  poller_t *p = arg;
  /* References and the async context go with the environment itself. */
  uv_poll_stop(&p->poll);
  uv_close((uv_handle_t *)&p->poll, on_closed);
}

static int typed_array(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != napi_ok || type != want) {
    napi_throw_type_error(env, "E_NATIVE_UDP", want == napi_int32_array ? "expected an Int32Array" : "expected a Uint8Array");
    return 0;
  }
  return 1;
}

/* poller(out: Int32Array, spill: Uint8Array, onBatch(count)) -> poller, one per thread. */
static napi_value poller_create(napi_env env, napi_callback_info info) {
  napi_value a[3];
  if (!args(env, info, 3, a)) return NULL;
  void *out, *spill;
  size_t out_len, spill_len;
  if (!typed_array(env, a[0], napi_int32_array, &out, &out_len)) return NULL;
  if (!typed_array(env, a[1], napi_uint8_array, &spill, &spill_len)) return NULL;
  if (out_len < ENTRY) {
    napi_throw_range_error(env, "E_NATIVE_UDP", "the Int32Array holds no entry");
    return NULL;
  }
  uv_loop_t *loop;
  CALL(env, napi_get_uv_event_loop(env, &loop));
  poller_t *p = calloc(1, sizeof *p);
  if (!p) {
    napi_throw_error(env, "E_NATIVE_UDP", "out of memory");
    return NULL;
  }
  p->env = env;
  p->out = out;
  p->out_entries = out_len / ENTRY;
  p->spill = spill;
  p->spill_len = spill_len;
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  int err = p->epfd < 0 ? uv_translate_sys_error(errno) : uv_poll_init(loop, &p->poll, p->epfd);
  if (err) {
    if (p->epfd >= 0) close(p->epfd);
    free(p);
    napi_throw_error(env, "E_NATIVE_UDP", uv_strerror(err));
    return NULL;
  }
  p->poll.data = p;
  uv_poll_start(&p->poll, UV_READABLE, on_readable);
  uv_unref((uv_handle_t *)&p->poll);
  napi_value name, resource, ext;
  CALL(env, napi_create_string_utf8(env, "piman:udp-batch", NAPI_AUTO_LENGTH, &name));
  CALL(env, napi_create_object(env, &resource));
  CALL(env, napi_async_init(env, resource, name, &p->async));
  CALL(env, napi_create_reference(env, a[2], 1, &p->callback));
  CALL(env, napi_create_reference(env, a[0], 1, &p->out_ref));
  CALL(env, napi_create_reference(env, a[1], 1, &p->spill_ref));
  CALL(env, napi_add_async_cleanup_hook(env, on_env_cleanup, p, &p->cleanup));
  CALL(env, napi_create_external(env, p, NULL, NULL, &ext));
  CALL(env, napi_type_tag_object(env, ext, &POLLER_TAG));
  return ext;
}

/* watch(poller, fd) -> 0 or -errno. */
static napi_value poller_watch(napi_env env, napi_callback_info info) {
  poller_t *p;
  int32_t fd;
  if (!poller_call(env, info, &p, &fd)) return NULL;
  if (p->sockets == p->fds_cap) {
    size_t cap = p->fds_cap ? 2 * p->fds_cap : 64;
    int *grown = realloc(p->fds, cap * sizeof *grown);
    if (!grown) return int32_value(env, -ENOMEM);
    p->fds = grown, p->fds_cap = cap;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) return int32_value(env, -errno);
  p->fds[p->sockets] = fd;
  if (p->sockets++ == 0) uv_ref((uv_handle_t *)&p->poll);
  return int32_value(env, 0);
}

/* close(poller, fd): stops watching a socket and closes it. */
static napi_value poller_close(napi_env env, napi_callback_info info) {
  poller_t *p;
  int32_t fd;
  if (!poller_call(env, info, &p, &fd)) return NULL;
  if (epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL) == 0) {
    /* Linear in the thread's transfers (tftp.maxTransfers at most), once per transfer. */
    for (size_t i = 0; i < p->sockets; i++) {
      if (p->fds[i] != fd) continue;
      p->fds[i] = p->fds[--p->sockets];
      break;
    }
    if (p->sockets == 0) uv_unref((uv_handle_t *)&p->poll);
  }
  close(fd);
  return NULL;
}

/* close(fd) of a socket never watched (opened, then not wanted). */
static napi_value udp_close(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (!args(env, info, 1, a)) return NULL;
  int32_t fd = -1;
  CALL(env, napi_get_value_int32(env, a[0], &fd));
  close(fd);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor d[] = {
      {"open", 0, udp_open, 0, 0, 0, napi_default, 0},
      {"send", 0, udp_send, 0, 0, 0, napi_default, 0},
      {"closeSocket", 0, udp_close, 0, 0, 0, napi_default, 0},
      {"poller", 0, poller_create, 0, 0, 0, napi_default, 0},
      {"watch", 0, poller_watch, 0, 0, 0, napi_default, 0},
      {"unwatchAndClose", 0, poller_close, 0, 0, 0, napi_default, 0},
  };
  if (napi_define_properties(env, exports, sizeof d / sizeof d[0], d) != napi_ok) return NULL;
  return exports;
}
