/* SPDX-License-Identifier: BSD-3-Clause */
/* bans.c - bans in the kernel map, checked against the rules first. */
#include "bans.h"
#include "records.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

uint64_t pl_mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

int pl_addr_parse(const char *s, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr + 12) == 1) {
		addr[10] = addr[11] = 0xff;
		return 0;
	}
	return inet_pton(AF_INET6, s, addr) == 1 ? 0 : -1;
}

/* Addresses that are never a packet's real source, or whose ban would cut
 * off more than one host: a ban on them is a mistake (or the detections
 * fooled by spoofed packets), so it is refused with the reason. */
const char *pl_ban_refused(const uint8_t a[16])
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(a, mapped, 12)) {           /* IPv4 */
		uint32_t v = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 |
			     (uint32_t)a[14] << 8 | a[15];

		if (v == 0)
			return "the unspecified address (0.0.0.0): a host with no address yet (DHCP) sends from it, no attacker is stopped";
		if (v == 0xffffffffu)
			return "the broadcast address: never a packet's source, a ban would stop nothing";
		if ((v >> 28) == 0xe)
			return "a multicast address (224.0.0.0/4): never a packet's source, a ban would stop nothing";
		return NULL;
	}
	if (!memcmp(a, zero, 16))
		return "the unspecified address (::): hosts send from it during address autoconfiguration";
	if (a[0] == 0xff)
		return "a multicast address (ff00::/8): never a packet's source, a ban would stop nothing";
	return NULL;
}

int pl_ban_addr_parse(const char *s, uint8_t addr[16], char *why, size_t whylen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/'), *r;
	int v4;

	/* A/32 and A/128 are the address itself, as `rules` and `bans list`
	 * write a host; any other prefix is many addresses. */
	if (slash) {
		size_t n = (size_t)(slash - s);

		if (n >= sizeof(buf)) {
			snprintf(why, whylen, "'%.64s' is not an IPv4 or IPv6 address", s);
			return -1;
		}
		memcpy(buf, s, n);
		buf[n] = 0;
		v4 = !strchr(buf, ':');
		if (strcmp(slash + 1, v4 ? "32" : "128")) {
			snprintf(why, whylen,
				 "'%.64s': a ban is for one address (/%s); for a prefix use a rule (pktlens rules add 'deny %.64s')",
				 s, v4 ? "32" : "128", s);
			return -1;
		}
		s = buf;
	}
	if (pl_addr_parse(s, addr)) {
		snprintf(why, whylen, "'%.64s' is not an IPv4 or IPv6 address", s);
		return -1;
	}
	if ((r = pl_ban_refused(addr))) {
		snprintf(why, whylen, "'%.64s' is %s", s, r);
		return -1;
	}
	return 0;
}

int pl_policy_set_flag(const struct pl_policy_fds *f, uint32_t flag, int on)
{
	struct pl_policy_cfg cfg;
	uint32_t zero = 0, want;

	if (bpf_map_lookup_elem(f->policy, &zero, &cfg))
		return -errno;
	want = on ? cfg.flags | flag : cfg.flags & ~flag;
	if (want == cfg.flags)
		return 0;       /* no write: a rule-set switch may be under way */
	cfg.flags = want;
	return bpf_map_update_elem(f->policy, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

int pl_source_allowed(const struct pl_policy_fds *f, const uint8_t addr[16])
{
	struct pl_lpm_key k = { .prefixlen = 128 };
	struct pl_policy_cfg cfg;
	struct pl_rule_list l;
	struct pl_lpm_val v;
	uint32_t zero = 0, slot, id;
	int trie, lists, r = 0;
	uint32_t i;

	if (bpf_map_lookup_elem(f->policy, &zero, &cfg) || !(cfg.flags & PL_POL_RULES))
		return 0;
	slot = cfg.active & 1;
	if (bpf_map_lookup_elem(f->tries, &slot, &id) || (trie = bpf_map_get_fd_by_id(id)) < 0)
		return 0;
	if (bpf_map_lookup_elem(f->lists, &slot, &id) || (lists = bpf_map_get_fd_by_id(id)) < 0) {
		close(trie);
		return 0;
	}
	memcpy(k.addr, addr, 16);
	if (!bpf_map_lookup_elem(trie, &k, &v) && !bpf_map_lookup_elem(lists, &v.list, &l))
		for (i = 0; i < l.n && i < PL_RULES_PER_LIST; i++) {
			const struct pl_rule *ru = &l.r[i];

			if (ru->proto || ru->vlan || ru->dport_hi || ru->dst_plen)
				continue;       /* conditional: not every packet */
			r = ru->action == PL_ACT_ALLOW;
			break;                  /* the first unconditional rule decides */
		}
	close(trie);
	close(lists);
	return r;
}

int pl_ban_add(const struct pl_policy_fds *f, const uint8_t addr[16], uint64_t ttl_ns,
	       uint32_t reason, char *err, size_t errlen)
{
	struct pl_ban_key k;
	struct pl_ban_val v = { 0 };
	uint64_t now = pl_mono_ns();
	char s[INET6_ADDRSTRLEN];

	memcpy(k.addr, addr, 16);
	if (pl_ban_refused(addr)) {             /* the detections too: spoofed sources */
		pl_addr_str(addr, s, sizeof(s));
		snprintf(err, errlen, "%s is %s: not banned", s, pl_ban_refused(addr));
		return -1;
	}
	if (pl_source_allowed(f, addr)) {
		pl_addr_str(addr, s, sizeof(s));
		snprintf(err, errlen, "%s is allowed by the rules: not banned", s);
		return -1;
	}
	v.added_ns = now;
	v.expires_ns = ttl_ns ? now + ttl_ns : 0;
	v.reason = reason;
	if (bpf_map_update_elem(f->bans, &k, &v, BPF_ANY)) {
		snprintf(err, errlen, "cannot add the ban: %s%s", strerror(errno),
			 errno == E2BIG ? " (ban table full)" : "");
		return -1;
	}
	if (pl_policy_set_flag(f, PL_POL_BANS, 1)) {
		snprintf(err, errlen, "cannot turn bans on: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int pl_ban_del(const struct pl_policy_fds *f, const uint8_t addr[16], char *err, size_t errlen)
{
	struct pl_ban_key k;

	memcpy(k.addr, addr, 16);
	if (bpf_map_delete_elem(f->bans, &k)) {
		snprintf(err, errlen, errno == ENOENT ? "no such ban" : "cannot remove the ban: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int pl_bans_expire(const struct pl_policy_fds *f)
{
	struct pl_ban_key k, next;
	struct pl_ban_val v;
	uint64_t now = pl_mono_ns();
	int more, n = 0, left = 0;

	more = !bpf_map_get_next_key(f->bans, NULL, &k);
	while (more) {
		more = !bpf_map_get_next_key(f->bans, &k, &next);
		if (!bpf_map_lookup_elem(f->bans, &k, &v)) {
			if (v.expires_ns && v.expires_ns <= now) {
				if (!bpf_map_delete_elem(f->bans, &k))
					n++;
			} else {
				left++;
			}
		}
		k = next;
	}
	if (!left)
		pl_policy_set_flag(f, PL_POL_BANS, 0);  /* nothing to look up per packet */
	return n;
}
