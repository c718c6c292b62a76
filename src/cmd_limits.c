/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_limits.c - `pktlens limits` (list, add, del, pin, unpin): the
 * destination limits and ARP pins of a running daemon, whether the
 * detections installed them or a person did. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "bans.h"
#include "detect.h"
#include "mitigations.h"
#include "policy_cli.h"
#include "records.h"

static void usage(FILE *o)
{
	fprintf(o,
"usage: pktlens limits list                            [--pin DIR | --prog-id N]\n"
"       pktlens limits add DST WHAT [port N] pps N [--ttl DURATION] [...]\n"
"       pktlens limits del DST WHAT [port N]           [...]\n"
"       pktlens limits pin IP MAC dev IFACE [vlan N]   [--ttl DURATION] [...]\n"
"       pktlens limits unpin IP dev IFACE [vlan N]     [...]\n"
"\n"
"A destination limit caps the packets per second of one kind toward one\n"
"address, whatever their sources: what stops a flood whose sources are\n"
"spoofed, where banning sources cannot. WHAT is\n"
"  syn   TCP segments with SYN and without ACK (new connections; the\n"
"        established ones are not limited)\n"
"  udp   UDP datagrams\n"
"  icmp  ICMP (ICMPv6 for an IPv6 DST; neighbour discovery is never limited)\n"
"port N limits one destination port (syn, udp); without it, every port.\n"
"Sources the rules allow are not limited, nor sources that completed a TCP\n"
"handshake with DST while the detections were limiting it (they are real).\n"
"\n"
"An ARP pin lets only MAC claim the IPv4 address IP in ARP frames arriving on\n"
"IFACE (and VLAN N): the others are dropped before the kernel learns them.\n"
"\n"
"commands:\n"
"  list   limits and pins: time left, packets passed and dropped, who set them\n"
"  add    limit DST (again: the new rate and time; the counters stay)\n"
"  del    remove a limit\n"
"  pin    pin IP to MAC (again: the new MAC and time; the counters stay)\n"
"  unpin  remove a pin\n"
"\n"
"options:\n"
"  --ttl DURATION  how long: 90, 90s, 10m, 2h or 1d; default until removed\n"
"  --pin DIR       the daemon's pin folder (`pktlens run --pin DIR`)\n"
"  --prog-id N     the daemon's XDP program (`bpftool prog show name pktlens_xdp`)\n"
"  without either, the one pktlens program attached in this network namespace\n"
"  is used (named on stderr); one in another namespace is never picked\n"
"\n"
"The detections add both when they judge a flood spoofed or see an ARP\n"
"binding change (docs/detections.md). Needs root, or CAP_BPF and CAP_SYS_ADMIN.\n");
}

static const char *reason_str(uint32_t reason, char *buf, size_t len)
{
	if (!reason)
		return "by hand";
	if (reason <= PL_NOTE__COUNT)
		return pl_note_name((enum pl_note)(reason - 1));
	snprintf(buf, len, "detection %u", reason);
	return buf;
}

static void mac_str(const uint8_t *m, char *out, size_t len)
{
	snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* A whole number in [lo, hi], with an optional k, M or G. */
static int num_parse(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return -1;
	if (*end == 'k')
		v *= 1e3, end++;
	else if (*end == 'M')
		v *= 1e6, end++;
	else if (*end == 'G')
		v *= 1e9, end++;
	if (*end || v != (double)(uint64_t)v || v < (double)lo || v > (double)hi)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* ---- list ------------------------------------------------------------------ */

struct dlim_row {
	struct pl_dlim_key k;
	struct pl_dlim_val v;
};

struct pin_row {
	struct pl_arp_pin_key k;
	struct pl_arp_pin_val v;
};

static int cmp_dlim(const void *a, const void *b)
{
	return memcmp(&((const struct dlim_row *)a)->k, &((const struct dlim_row *)b)->k,
		      sizeof(struct pl_dlim_key));
}

static int cmp_pin(const void *a, const void *b)
{
	return memcmp(&((const struct pin_row *)a)->k, &((const struct pin_row *)b)->k,
		      sizeof(struct pl_arp_pin_key));
}

/* Every entry of a map into a growing array of rows: the key at 0, the
 * value at voff, rsz bytes a row. */
static void *read_all(int fd, size_t ksz, size_t voff, size_t rsz, size_t *n)
{
	uint8_t key[64], next[64];
	char *rows = NULL, *nr;
	size_t cap = 0;
	int more = !bpf_map_get_next_key(fd, NULL, key);

	*n = 0;
	while (more) {
		more = !bpf_map_get_next_key(fd, key, next);
		if (*n == cap) {
			nr = realloc(rows, (cap = cap ? cap * 2 : 64) * rsz);
			if (!nr) {
				free(rows);
				*n = 0;
				return NULL;
			}
			rows = nr;
		}
		memcpy(rows + *n * rsz, key, ksz);
		if (!bpf_map_lookup_elem(fd, key, rows + *n * rsz + voff))
			(*n)++;
		memcpy(key, next, ksz);
	}
	return rows;
}

static void list_dlims(const struct pl_policy_target *t, uint64_t now)
{
	struct dlim_row *r;
	size_t n, i, trusted = 0;
	char addr[INET6_ADDRSTRLEN], what[32], left[32], why[40];
	struct pl_trust_key tk, tn;
	int more;

	r = read_all(t->fds.dlims, sizeof(r->k), offsetof(struct dlim_row, v), sizeof(*r), &n);
	if (!n) {
		printf("no destination limits\n");
		free(r);
		return;
	}
	qsort(r, n, sizeof(*r), cmp_dlim);
	more = !bpf_map_get_next_key(t->fds.trust, NULL, &tk);
	while (more) {
		trusted++;
		more = !bpf_map_get_next_key(t->fds.trust, &tk, &tn);
		tk = tn;
	}
	printf("destination limits (%zu trusted source/destination pairs pass them)\n", trusted);
	printf("%-40s %-12s %10s %-10s %12s %12s %14s  %s\n", "DESTINATION", "WHAT", "PPS",
	       "EXPIRES IN", "PASSED", "DROPPED", "DROPPED BYTES", "REASON");
	for (i = 0; i < n; i++) {
		const struct pl_dlim_val *v = &r[i].v;
		uint64_t pps = v->ns_per_pkt ? (1000000000ull + v->ns_per_pkt / 2) / v->ns_per_pkt : 0;

		pl_addr_str(r[i].k.addr, addr, sizeof(addr));
		if (r[i].k.dport)
			snprintf(what, sizeof(what), "%s:%u", pl_dlim_proto_name(r[i].k.proto),
				 r[i].k.dport);
		else
			snprintf(what, sizeof(what), "%s", pl_dlim_proto_name(r[i].k.proto));
		pl_cli_left(v->expires_ns, now, left, sizeof(left));
		printf("%-40s %-12s %10" PRIu64 " %-10s %12" PRIu64 " %12" PRIu64 " %14" PRIu64 "  %s\n",
		       addr, what, pps, left, (uint64_t)v->passed, (uint64_t)v->drops,
		       (uint64_t)v->drop_bytes, reason_str(v->reason, why, sizeof(why)));
	}
	free(r);
}

static void list_pins(const struct pl_policy_target *t, uint64_t now)
{
	struct pin_row *r;
	size_t n, i;
	char ip[INET_ADDRSTRLEN], dev[IF_NAMESIZE + 8], mac[24], last[24], left[32], why[40];
	char vlan[8];
	static const uint8_t none[6];

	r = read_all(t->fds.pins, sizeof(r->k), offsetof(struct pin_row, v), sizeof(*r), &n);
	if (!n) {
		printf("no ARP pins\n");
		free(r);
		return;
	}
	qsort(r, n, sizeof(*r), cmp_pin);
	printf("ARP pins\n%-16s %-16s %-5s %-18s %-10s %10s %-18s  %s\n", "ADDRESS", "INTERFACE",
	       "VLAN", "MAC", "EXPIRES IN", "DROPPED", "LAST CLAIMED BY", "REASON");
	for (i = 0; i < n; i++) {
		const struct pl_arp_pin_val *v = &r[i].v;

		inet_ntop(AF_INET, r[i].k.ip, ip, sizeof(ip));
		if (!if_indextoname(r[i].k.ifindex, dev))
			snprintf(dev, sizeof(dev), "if%u", r[i].k.ifindex);
		snprintf(vlan, sizeof(vlan), r[i].k.vlan ? "%u" : "-", r[i].k.vlan);
		mac_str(v->mac, mac, sizeof(mac));
		if (memcmp(v->last_mac, none, 6))
			mac_str(v->last_mac, last, sizeof(last));
		else
			snprintf(last, sizeof(last), "-");
		pl_cli_left(v->expires_ns, now, left, sizeof(left));
		printf("%-16s %-16s %-5s %-18s %-10s %10" PRIu64 " %-18s  %s\n", ip, dev, vlan, mac,
		       left, (uint64_t)v->drops, last, reason_str(v->reason, why, sizeof(why)));
	}
	free(r);
}

/* ---- add, del, pin, unpin ------------------------------------------------- */

/* DST WHAT [port N] [pps N]: the key, and the rate (0 if not given). */
static int parse_limit(const char *who, char **w, int n, struct pl_dlim_key *k, uint64_t *pps)
{
	uint8_t dst[16];
	uint64_t port = 0, v;
	uint8_t proto;
	int i, v4;

	*pps = 0;
	if (n < 2) {
		fprintf(stderr, "pktlens %s: give DST and what to limit (syn, udp or icmp), e.g. pktlens limits add 192.0.2.1 syn port 80 pps 100\n",
			who);
		return 2;
	}
	if (strchr(w[0], '/') || pl_addr_parse(w[0], dst)) {
		fprintf(stderr, "pktlens %s: '%s' is not an IPv4 or IPv6 address (a limit is for one destination)\n",
			who, w[0]);
		return 2;
	}
	v4 = !memcmp(dst, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
	if (!strcmp(w[1], "syn"))
		proto = PL_DLIM_SYN;
	else if (!strcmp(w[1], "udp"))
		proto = PL_DLIM_UDP;
	else if (!strcmp(w[1], "icmp"))
		proto = v4 ? PL_DLIM_ICMP : PL_DLIM_ICMP6;
	else {
		fprintf(stderr, "pktlens %s: '%s': what to limit is syn, udp or icmp\n", who, w[1]);
		return 2;
	}
	for (i = 2; i < n; i += 2) {
		if (i + 1 >= n) {
			fprintf(stderr, "pktlens %s: '%s' needs a value\n", who, w[i]);
			return 2;
		}
		if (!strcmp(w[i], "port") && proto != PL_DLIM_ICMP && proto != PL_DLIM_ICMP6) {
			if (port || num_parse(w[i + 1], 1, 65535, &port)) {
				fprintf(stderr, "pktlens %s: port '%s': one port 1..65535, once\n", who,
					w[i + 1]);
				return 2;
			}
		} else if (!strcmp(w[i], "pps")) {
			if (*pps || num_parse(w[i + 1], 1, PL_DLIM_PPS_MAX, &v)) {
				fprintf(stderr, "pktlens %s: pps '%s': packets per second, 1 to 1G, once\n",
					who, w[i + 1]);
				return 2;
			}
			*pps = v;
		} else {
			fprintf(stderr, "pktlens %s: unexpected '%s'%s\n", who, w[i],
				!strcmp(w[i], "port") ? " (ICMP has no ports)" : "");
			return 2;
		}
	}
	pl_dlim_key_make(k, dst, proto, (uint16_t)port);
	return 0;
}

/* IP [MAC] dev IFACE [vlan N] */
static int parse_pin(const char *who, char **w, int n, int with_mac, struct pl_arp_pin_key *k,
		     uint8_t mac[6])
{
	uint64_t vlan = 0;
	int i;

	memset(k, 0, sizeof(*k));
	if (n < 1 + with_mac || inet_pton(AF_INET, w[0], k->ip) != 1) {
		fprintf(stderr, "pktlens %s: give an IPv4 address%s, e.g. pktlens limits pin 192.0.2.1 02:00:00:00:00:01 dev eth0\n",
			who, with_mac ? " and a MAC" : "");
		return 2;
	}
	if (with_mac && mac_parse(w[1], mac)) {
		fprintf(stderr, "pktlens %s: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)\n", who,
			w[1]);
		return 2;
	}
	for (i = 1 + with_mac; i < n; i += 2) {
		if (i + 1 >= n) {
			fprintf(stderr, "pktlens %s: '%s' needs a value\n", who, w[i]);
			return 2;
		}
		if (!strcmp(w[i], "dev")) {
			k->ifindex = if_nametoindex(w[i + 1]);
			if (!k->ifindex) {
				fprintf(stderr, "pktlens %s: no interface '%s' here (run it in the daemon's network namespace)\n",
					who, w[i + 1]);
				return 1;
			}
		} else if (!strcmp(w[i], "vlan")) {
			if (num_parse(w[i + 1], 1, 4094, &vlan)) {
				fprintf(stderr, "pktlens %s: vlan '%s': 1..4094\n", who, w[i + 1]);
				return 2;
			}
			k->vlan = (uint16_t)vlan;
		} else {
			fprintf(stderr, "pktlens %s: unexpected '%s'\n", who, w[i]);
			return 2;
		}
	}
	if (!k->ifindex) {
		fprintf(stderr, "pktlens %s: say where the ARP frames arrive: dev IFACE\n", who);
		return 2;
	}
	return 0;
}

int cmd_limits(int argc, char **argv)
{
	struct pl_policy_target t;
	struct pl_cli_args a;
	struct pl_dlim_key dk;
	struct pl_arp_pin_key pk;
	uint8_t mac[6];
	uint64_t pps = 0;
	char err[1024] = "", who[32], s[INET6_ADDRSTRLEN], left[32], ms[24];
	const char *sub;
	int e, lock, rc = 1;

	e = pl_cli_args(argc, argv, "limits", 1, &a);
	if (e)
		return e;
	if (a.help) {
		usage(stdout);
		return 0;
	}
	if (!a.n) {
		fprintf(stderr, "pktlens limits: which command? list, add, del, pin or unpin\n\n");
		usage(stderr);
		return 2;
	}
	sub = a.pos[0];
	snprintf(who, sizeof(who), "limits %s", sub);
	if (a.have_ttl && strcmp(sub, "add") && strcmp(sub, "pin")) {
		fprintf(stderr, "pktlens %s: --ttl is for limits add and limits pin\n", who);
		return 2;
	}
	if (!strcmp(sub, "list")) {
		if (a.n != 1) {
			fprintf(stderr, "pktlens limits list: unexpected argument '%s'\n", a.pos[1]);
			return 2;
		}
	} else if (!strcmp(sub, "add") || !strcmp(sub, "del")) {
		e = parse_limit(who, a.pos + 1, a.n - 1, &dk, &pps);
		if (e)
			return e;
		if (!strcmp(sub, "add") && !pps) {
			fprintf(stderr, "pktlens limits add: give the rate: pps N\n");
			return 2;
		}
		if (!strcmp(sub, "del") && pps) {
			fprintf(stderr, "pktlens limits del: no pps: a limit is named by DST, what and port\n");
			return 2;
		}
	} else if (!strcmp(sub, "pin") || !strcmp(sub, "unpin")) {
		e = parse_pin(who, a.pos + 1, a.n - 1, !strcmp(sub, "pin"), &pk, mac);
		if (e)
			return e;
	} else {
		fprintf(stderr, "pktlens limits: unknown command '%s' (list, add, del, pin or unpin; --help)\n",
			sub);
		return 2;
	}
	if (pl_cli_open(who, &a, &t, &lock))
		return 1;
	if (!strcmp(sub, "list")) {
		uint64_t now = pl_mono_ns();

		printf("%s:\n", t.where);
		list_dlims(&t, now);
		list_pins(&t, now);
		rc = 0;
	} else if (!strcmp(sub, "add")) {
		pl_addr_str(dk.addr, s, sizeof(s));
		if (pl_dlim_add(&t.fds, &dk, pps, a.ttl_ns, 0, err, sizeof(err))) {
			fprintf(stderr, "pktlens limits add: %s\n", err);
		} else {
			pl_cli_left(a.ttl_ns, 0, left, sizeof(left));
			printf("limited %s to %s %" PRIu64 "/s%s%s\n", pl_dlim_proto_name(dk.proto), s,
			       pps, a.ttl_ns ? " for " : " until removed", a.ttl_ns ? left : "");
			rc = 0;
		}
	} else if (!strcmp(sub, "del")) {
		pl_addr_str(dk.addr, s, sizeof(s));
		if (pl_dlim_del(&t.fds, &dk, err, sizeof(err))) {
			fprintf(stderr, "pktlens limits del: %s %s: %s\n", pl_dlim_proto_name(dk.proto), s,
				err);
		} else {
			printf("limit of %s to %s removed\n", pl_dlim_proto_name(dk.proto), s);
			rc = 0;
		}
	} else if (!strcmp(sub, "pin")) {
		inet_ntop(AF_INET, pk.ip, s, sizeof(s));
		if (pl_pin_add(&t.fds, &pk, mac, a.ttl_ns, 0, err, sizeof(err))) {
			fprintf(stderr, "pktlens limits pin: %s\n", err);
		} else {
			mac_str(mac, ms, sizeof(ms));
			pl_cli_left(a.ttl_ns, 0, left, sizeof(left));
			printf("pinned %s to %s%s%s\n", s, ms, a.ttl_ns ? " for " : " until removed",
			       a.ttl_ns ? left : "");
			rc = 0;
		}
	} else {
		inet_ntop(AF_INET, pk.ip, s, sizeof(s));
		if (pl_pin_del(&t.fds, &pk, err, sizeof(err))) {
			fprintf(stderr, "pktlens limits unpin: %s: %s\n", s, err);
		} else {
			printf("pin on %s removed\n", s);
			rc = 0;
		}
	}
	pl_cli_close(&t, lock);
	return rc;
}
