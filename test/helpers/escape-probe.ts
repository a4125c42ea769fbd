// A static C program for escape tests, compiled here with gcc (busybox has no applet for
// these calls) and bind-mounted read-only into containers. Each subcommand prints one line
// per attempt, `NAME ok` or `NAME ERRNO`, so a test reads what the kernel said.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { TEST_TMP } from './daemon.js';

const SOURCE = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void report(const char *what, long r) {
  if (r < 0) printf("%s %s\n", what, strerrorname_np(errno));
  else printf("%s ok\n", what);
  fflush(stdout);
}

/* Pushes TEXT and a newline into the terminal's input queue, one byte at a time. */
static long push(int fd, const char *text) {
  for (const char *c = text; *c; c++) if (ioctl(fd, TIOCSTI, c) < 0) return -1;
  char nl = '\n';
  return ioctl(fd, TIOCSTI, &nl);
}

static int tiocsti(const char *text) {
  int fd = open("/dev/tty", O_RDWR);
  report("open-dev-tty", fd);
  if (fd >= 0) report("tiocsti-dev-tty", push(fd, text));
  char name[32];
  for (int i = 0; i <= 2; i++) {
    snprintf(name, sizeof name, "tiocsti-fd%d", i);
    report(name, push(i, text));
  }
  return 0;
}

/* The fds this process holds, apart from the directory it reads them from. */
static int fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) { report("opendir", -1); return 1; }
  printf("fds");
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    if (atoi(e->d_name) == dirfd(d)) continue;
    printf(" %s", e->d_name);
  }
  printf("\n");
  closedir(d);
  return 0;
}

/* Tries to change the file open as FD (the host's node, reached through /proc/self/exe). */
static int exe_attack(int fd) {
  /* VFS_CAP_REVISION_2 with empty permitted and inheritable sets: grants nothing if it lands. */
  unsigned char cap[20] = {0, 0, 0, 2};
  report("setxattr-security.capability", fsetxattr(fd, "security.capability", cap, sizeof cap, 0));
  report("setxattr-user", fsetxattr(fd, "user.boxify-escape", "x", 1, 0));
  struct stat st;
  if (fstat(fd, &st) == 0) report("fchmod-same-mode", fchmod(fd, st.st_mode & 07777));
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  int w = open(p, O_WRONLY);
  report("open-write", w);
  if (w >= 0) close(w);
  return 0;
}

/*
 * Until the file STOP exists (at most 10 minutes), walks /proc and tries each other process's exe, mem and fds. Anything that
 * opens and is the file (dev, ino) of NODE or of MARKER is counted as host-reachable.
 */
static int race(unsigned long ndev, unsigned long nino, unsigned long mdev, unsigned long mino, const char *stop) {
  long scanned = 0, denied = 0, exe_host = 0, mem_host = 0, fd_host = 0, exe_open = 0;
  time_t end = time(NULL) + 600;
  int self = getpid();
  char p[128], q[160];
  struct stat stop_st;
  while (time(NULL) < end && stat(stop, &stop_st) != 0) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
      int pid = atoi(e->d_name);
      if (pid <= 0 || pid == self) continue;
      scanned++;
      struct stat st;
      int is_node = 0;
      snprintf(p, sizeof p, "/proc/%d/exe", pid);
      int fd = open(p, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        exe_open++;
        if (fstat(fd, &st) == 0 && st.st_dev == ndev && st.st_ino == nino) { exe_host++; is_node = 1; }
        close(fd);
      } else if (errno == EACCES || errno == EPERM) denied++;
      snprintf(p, sizeof p, "/proc/%d/mem", pid);
      fd = open(p, O_RDWR | O_CLOEXEC);
      if (fd >= 0) { if (is_node) mem_host++; close(fd); }
      snprintf(p, sizeof p, "/proc/%d/fd", pid);
      DIR *fdd = opendir(p);
      struct dirent *f;
      while (fdd && (f = readdir(fdd))) {
        if (f->d_name[0] == '.') continue;
        snprintf(q, sizeof q, "%s/%s", p, f->d_name);
        int o = open(q, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (o < 0) o = open(q, O_PATH | O_CLOEXEC);
        if (o >= 0) {
          if (fstat(o, &st) == 0 && ((st.st_dev == ndev && st.st_ino == nino) || (st.st_dev == mdev && st.st_ino == mino))) fd_host++;
          close(o);
        }
      }
      if (fdd) closedir(fdd);
    }
    if (d) closedir(d);
  }
  printf("race scanned=%ld denied=%ld exe-open=%ld exe-host=%ld mem-host=%ld fd-host=%ld\n", scanned, denied, exe_open, exe_host, mem_host, fd_host);
  return 0;
}

/* ICMP echo to IP over an ICMP datagram socket (no CAP_NET_RAW; net.ipv4.ping_group_range). */
static int ping_dgram(const char *ip) {
  int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
  if (s < 0) { report("ping-dgram-socket", -1); return 0; }
  struct sockaddr_in to = { .sin_family = AF_INET };
  inet_pton(AF_INET, ip, &to.sin_addr);
  struct icmphdr h = { .type = ICMP_ECHO };
  h.un.echo.sequence = htons(1);
  if (sendto(s, &h, sizeof h, 0, (struct sockaddr *)&to, sizeof to) < 0) { report("ping-dgram-send", -1); return 0; }
  struct pollfd pf = { .fd = s, .events = POLLIN };
  if (poll(&pf, 1, 3000) != 1) { printf("ping-dgram no-reply\n"); return 0; }
  char buf[256];
  long n = recv(s, buf, sizeof buf, 0);
  if (n >= (long)sizeof h && ((struct icmphdr *)buf)->type == ICMP_ECHOREPLY) printf("ping-dgram ok\n");
  else report("ping-dgram-recv", n < 0 ? -1 : 0);
  return 0;
}

/*
 * COUNT ARP replies, 100 ms apart, broadcast on IFACE, saying that SPOOF_IP is at this
 * interface's MAC, addressed to TARGET_IP: what rewrites a neighbour's ARP cache.
 */
static int arp_forge(const char *ifname, const char *target, const char *spoof, int count) {
  int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
  report("arp-socket", s);
  if (s < 0) return 0;
  struct ifreq ifr = {0};
  strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
  if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) { report("arp-hwaddr", -1); return 0; }
  unsigned char mac[6];
  memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  unsigned char f[42];
  memset(f, 0xff, 6);
  memcpy(f + 6, mac, 6);
  f[12] = 0x08; f[13] = 0x06;
  unsigned char arp[8] = {0, 1, 8, 0, 6, 4, 0, 2};
  memcpy(f + 14, arp, 8);
  memcpy(f + 22, mac, 6);
  inet_pton(AF_INET, spoof, f + 28);
  memset(f + 32, 0xff, 6);
  inet_pton(AF_INET, target, f + 38);
  struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = if_nametoindex(ifname), .sll_halen = 6 };
  memset(to.sll_addr, 0xff, 6);
  int sent = 0;
  for (int i = 0; i < count; i++) {
    if (sendto(s, f, sizeof f, 0, (struct sockaddr *)&to, sizeof to) == sizeof f) sent++;
    usleep(100000);
  }
  printf("arp-sent %d mac %02x:%02x:%02x:%02x:%02x:%02x\n", sent, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *c = argv[1];
  if (!strcmp(c, "tiocsti") && argc > 2) return tiocsti(argv[2]);
  if (!strcmp(c, "fds")) return fds();
  if (!strcmp(c, "exe-attack") && argc > 2) return exe_attack(atoi(argv[2]));
  if (!strcmp(c, "race") && argc > 6) return race(strtoul(argv[2], 0, 10), strtoul(argv[3], 0, 10), strtoul(argv[4], 0, 10), strtoul(argv[5], 0, 10), argv[6]);
  if (!strcmp(c, "ping-dgram") && argc > 2) return ping_dgram(argv[2]);
  if (!strcmp(c, "raw-icmp")) { report("raw-icmp", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)); return 0; }
  if (!strcmp(c, "arp-forge") && argc > 5) return arp_forge(argv[2], argv[3], argv[4], atoi(argv[5]));
  printf("%s unknown\n", c);
  return 2;
}
`;

export interface EscapeProbe {
  /** Host directory holding `probe`, to bind read-only into containers (e.g. at /probe). */
  dir: string;
  remove(): void;
}

/** Compiles the probe (gcc and libc6-dev: the static libc) into a fresh directory under TEST_TMP. */
export function buildEscapeProbe(): EscapeProbe {
  const dir = path.join(TEST_TMP, `escape-probe-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'probe.c'), SOURCE);
  execFileSync('gcc', ['-static', '-O1', '-o', path.join(dir, 'probe'), path.join(dir, 'probe.c')], { stdio: 'pipe' });
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** `NAME RESULT` lines -> { NAME: RESULT } (the last one wins). */
export function parseProbe(out: string): Record<string, string> {
  const m: Record<string, string> = {};
  for (const l of out.trim().split('\n')) {
    const [k, ...v] = l.trim().split(' ');
    if (k && v.length) m[k] = v.join(' ');
  }
  return m;
}

/**
 * A `#!/proc/self/exe` script: the kernel runs it with whatever binary the exec'ing process
 * is (boxify-init's or the exec helper's node). As JavaScript, it opens /proc/self/exe (the
 * host's node), prints its identity, and hands it to the probe at /probe, which tries to
 * change it; then it tries chmod by path.
 */
export const SELF_EXE_SCRIPT = `#!/proc/self/exe
const fs = require('fs');
const { spawnSync } = require('child_process');
const fd = fs.openSync('/proc/self/exe', 'r');
const st = fs.fstatSync(fd);
console.log('running-as ' + st.dev + ':' + st.ino);
spawnSync('/probe/probe', ['exe-attack', '3'], { stdio: ['ignore', 'inherit', 'inherit', fd] });
try { fs.chmodSync('/proc/self/exe', st.mode & 0o7777); console.log('chmod-path ok'); } catch (e) { console.log('chmod-path ' + e.code); }
`;

/** Host libraries node needs, bound read-only: the image stands for a malicious one that ships them. */
export const NODE_LIBS = ['/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:ro', '/usr/lib64:/lib64:ro'];

/** A file's sha256 and extended attributes, to show the host's node is unchanged. */
export function fingerprint(file: string): { sha256: string; xattrs: Record<string, string> } {
  const koffi = createRequire(import.meta.url)('koffi');
  const libc = koffi.load('libc.so.6');
  const llistxattr = libc.func('long llistxattr(const char *path, _Out_ uint8_t *list, size_t size)');
  const lgetxattr = libc.func('long lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)');
  const list = Buffer.alloc(65536);
  const n = Number(llistxattr(file, list, list.length));
  const xattrs: Record<string, string> = {};
  for (const name of n > 0 ? list.subarray(0, n).toString('latin1').split('\0').filter(Boolean) : []) {
    const v = Buffer.alloc(65536);
    const m = Number(lgetxattr(file, name, v, v.length));
    xattrs[name] = m >= 0 ? v.subarray(0, m).toString('hex') : `error ${koffi.errno()}`;
  }
  return { sha256: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), xattrs };
}

/** Removes xattrs that `file` has now and did not have in `before` (undoing a successful attack). */
export function restoreXattrs(file: string, before: ReturnType<typeof fingerprint>): void {
  const after = fingerprint(file);
  if (JSON.stringify(after.xattrs) === JSON.stringify(before.xattrs)) return;
  const koffi = createRequire(import.meta.url)('koffi');
  const lremovexattr = koffi.load('libc.so.6').func('int lremovexattr(const char *path, const char *name)');
  for (const name of Object.keys(after.xattrs)) if (!(name in before.xattrs)) lremovexattr(file, name);
}
