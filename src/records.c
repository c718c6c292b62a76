/* SPDX-License-Identifier: BSD-3-Clause */
/* records.c - formatting shared by every record kind. */
#include "records.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_escape.h"

struct json_object *pl_rec_new(const char *kind)
{
	struct json_object *o = json_object_new_object();

	pl_rec_add(o, "_path", json_object_new_string(kind));
	return o;
}

static void add_fixed6(struct json_object *o, const char *name, uint64_t ns)
{
	char s[32];

	snprintf(s, sizeof(s), "%llu.%06llu", (unsigned long long)(ns / 1000000000ull),
		 (unsigned long long)(ns % 1000000000ull / 1000));
	/* the string is what gets printed: no binary-float digits */
	pl_rec_add(o, name, json_object_new_double_s((double)ns / 1e9, s));
}

void pl_rec_ts(struct json_object *o, const char *name, uint64_t ns)
{
	add_fixed6(o, name, ns);
}

void pl_rec_secs(struct json_object *o, const char *name, uint64_t ns)
{
	add_fixed6(o, name, ns);
}

void pl_addr_str(const uint8_t a[16], char *out, size_t outlen)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(a, mapped, 12))
		inet_ntop(AF_INET, a + 12, out, (socklen_t)outlen);
	else
		inet_ntop(AF_INET6, a, out, (socklen_t)outlen);
}

void pl_rec_id(struct json_object *o, const struct pl_flow_key *k)
{
	char s[INET6_ADDRSTRLEN];

	pl_addr_str(k->src, s, sizeof(s));
	pl_rec_add(o, "id.orig_h", json_object_new_string(s));
	pl_rec_add(o, "id.orig_p", json_object_new_int(k->sport));
	pl_addr_str(k->dst, s, sizeof(s));
	pl_rec_add(o, "id.resp_h", json_object_new_string(s));
	pl_rec_add(o, "id.resp_p", json_object_new_int(k->dport));
}

/* Text from the network: valid UTF-8 as it is (json-c escapes what JSON
 * needs), invalid bytes as `\xNN` text (text_escape.h), so that every
 * record is valid UTF-8 JSON. Clean text, nearly all of it, is not copied. */
void pl_rec_str(struct json_object *o, const char *name, const char *s, size_t n)
{
	size_t clean = pl_esc_clean_len(s, n, PL_ESC_JSON), len;
	char *buf;

	if (clean == n) {
		pl_rec_add(o, name, json_object_new_string_len(s, (int)n));
		return;
	}
	buf = malloc(PL_ESC_SIZE(n));
	if (!buf) {             /* the valid start of it, not invalid bytes */
		pl_rec_add(o, name, json_object_new_string_len(s, (int)clean));
		return;
	}
	len = pl_esc(buf, PL_ESC_SIZE(n), s, n, PL_ESC_JSON);
	pl_rec_add(o, name, json_object_new_string_len(buf, (int)len));
	free(buf);
}

void pl_rec_strz(struct json_object *o, const char *name, const char *s)
{
	pl_rec_str(o, name, s, strlen(s));
}

void pl_rec_u64(struct json_object *o, const char *name, uint64_t v)
{
	pl_rec_add(o, name, json_object_new_uint64(v));
}

/* splitmix64: a seed in, well-mixed bits out. Uids are then reproducible
 * for the same capture, which makes offline runs comparable. */
static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void pl_uid_make(uint64_t seed, char out[PL_UID_LEN + 1])
{
	static const char b62[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t a = mix64(seed), b = mix64(a);
	int i;

	out[0] = 'C';
	for (i = 1; i < PL_UID_LEN; i++) {
		uint64_t *w = i < 10 ? &a : &b;

		out[i] = b62[*w % 62];
		*w /= 62;
	}
	out[PL_UID_LEN] = 0;
}

const char *pl_proto_name(uint8_t proto)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: case 58: return "icmp";
	default: return NULL;
	}
}

const char *pl_dns_qtype_name(uint16_t t)
{
	static const struct { uint16_t t; const char *n; } names[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
		{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" },
		{ 24, "SIG" }, { 25, "KEY" }, { 28, "AAAA" }, { 29, "LOC" }, { 33, "SRV" },
		{ 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 39, "DNAME" }, { 41, "OPT" },
		{ 42, "APL" }, { 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" },
		{ 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
		{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
		{ 59, "CDS" }, { 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" },
		{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
		{ 249, "TKEY" }, { 250, "TSIG" }, { 251, "IXFR" }, { 252, "AXFR" },
		{ 255, "*" }, { 256, "URI" }, { 257, "CAA" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == t)
			return names[i].n;
	return NULL;
}

const char *pl_dns_rcode_name(uint8_t r)
{
	static const char *names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
				       "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
				       "NXRRSET", "NOTAUTH", "NOTZONE" };

	return r < sizeof(names) / sizeof(names[0]) ? names[r] : NULL;
}

const char *pl_dns_qclass_name(uint16_t c)
{
	switch (c & 0x7fff) {           /* mDNS borrows the top bit */
	case 1: return "C_INTERNET";
	case 3: return "C_CHAOS";
	case 4: return "C_HESIOD";
	case 254: return "C_NONE";
	case 255: return "C_ANY";
	default: return NULL;
	}
}

static const char *version_name(uint16_t v)
{
	switch (v) {
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv10";
	case 0x0302: return "TLSv11";
	case 0x0303: return "TLSv12";
	case 0x0304: return "TLSv13";
	default: return NULL;
	}
}

const char *pl_tls_version_name(const struct pl_tls *t)
{
	uint16_t best = 0;
	unsigned i;

	for (i = 0; i < t->n_versions && i < PL_TLS_MAX_VERSIONS; i++)
		if (version_name(t->versions[i]) && t->versions[i] > best)
			best = t->versions[i];      /* GREASE values have no name */
	if (!best)
		best = t->hello_version;
	return version_name(best);
}
