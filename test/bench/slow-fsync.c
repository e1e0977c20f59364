/* A slow SD card for the benchmark: every fsync/fdatasync on a file whose path contains
 * $CE_FSYNC_MATCH (all files when unset) sleeps $CE_FSYNC_DELAY_MS before the real call.
 * Built by test/bench/sd-latency.ts into a temporary directory and loaded with LD_PRELOAD into the
 * benchmark child only; the source is here so the shim can be read, the binary is never committed.
 * At exit it writes how many calls it slowed to $CE_FSYNC_COUNT_FILE, so the bench can show the
 * delay was really applied (SQLite inside better-sqlite3 and libuv both call these through libc). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long delay_ns = -1;
static const char *match;
static volatile long slowed;

static void init(void) {
  if (delay_ns >= 0) return;
  const char *ms = getenv("CE_FSYNC_DELAY_MS");
  match = getenv("CE_FSYNC_MATCH");
  delay_ns = ms ? atol(ms) * 1000000L : 0;
}

static int matches(int fd) {
  if (!match || !*match) return 1;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n < 0) return 0;
  path[n] = 0;
  return strstr(path, match) != NULL;
}

static void slow_down(int fd) {
  init();
  if (delay_ns <= 0 || !matches(fd)) return;
  struct timespec ts = { delay_ns / 1000000000L, delay_ns % 1000000000L };
  while (nanosleep(&ts, &ts) != 0) { /* interrupted: sleep the rest */ }
  __sync_fetch_and_add(&slowed, 1);
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  slow_down(fd);
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  slow_down(fd);
  return real(fd);
}

__attribute__((destructor)) static void report(void) {
  const char *file = getenv("CE_FSYNC_COUNT_FILE");
  if (!file) return;
  FILE *f = fopen(file, "w");
  if (!f) return;
  fprintf(f, "%ld\n", slowed);
  fclose(f);
}
