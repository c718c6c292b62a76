/* SPDX-License-Identifier: BSD-3-Clause */
/* gen_mixed.c - writes a pcap of mixed traffic for the offline benchmark
 * (bench/offline.sh): many TCP connections, each a handshake, one HTTP GET
 * with a Host header or one TLS 1.3 ClientHello with SNI, the server's
 * answer in full-size segments with the client's ACKs, and a FIN exchange;
 * plus DNS query/response pairs over UDP, each from its own source port.
 * Sessions overlap (a few hundred at a time, interleaved at random), sequence
 * numbers and lengths are consistent, checksums are right and timestamps
 * increase, so tshark and nDPI dissect it as they would a real capture.
 *
 * The packet count is exact: the data segments of each connection are
 * spread so that the whole file holds PACKETS frames. On stdout it prints
 * one line: packets, tcp_flows, http, tls, dns_pairs, seconds (of capture),
 * servers, busiest_server_flows (connections to the busiest server), for
 * the benchmark and tests to check records against. Deterministic for a seed.
 *
 * The defaults spread connections evenly over 4000 servers (the offline
 * benchmark's capture). -S and -z give a busy network's shape instead, for
 * the live test of benign traffic (tests/integration/benign_live.sh): fewer
 * servers whose popularity follows Zipf's law, as web traffic's does, so a
 * few hosts carry thousands of packets/s; -r stamps the packets at the rate
 * they will be replayed at, so the capture's own clock agrees with it. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSS          1448
#define RESOLVERS    4
#define SERVERS      4000         /* default; -S */
#define MAX_SERVERS  65534        /* they are 198.18.0.1 ... 198.18.255.254 */
#define CLIENTS      8192

/* --- output ----------------------------------------------------------- */

static FILE *out;
static uint64_t ts_us = 1700000000ull * 1000000;        /* 2023-11-14 */
static uint64_t written;

static uint64_t rng_state = 0x243f6a8885a308d3ull;

/* Timestamps: a gap of 1 .. gap_span us before each packet; 199 (100 us on
 * average, 10k packets/s) unless -r says another rate. */
static uint32_t gap_span = 199;
static uint32_t n_servers = SERVERS;
/* -z: cumulative popularity of servers 0 .. n_servers-1; NULL: even. */
static double *zipf_cdf;
static uint64_t zipf_seed;

static uint64_t rnd(void)             /* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(uint32_t n) { return (uint32_t)(rnd() % n); }

static void w32(uint32_t v) { fwrite(&v, 4, 1, out); }

static void pcap_header(void)
{
	uint16_t v[2] = { 2, 4 };

	w32(0xa1b2c3d4);
	fwrite(v, 2, 2, out);
	w32(0);
	w32(0);
	w32(65535);
	w32(1);                         /* Ethernet */
}

static void pcap_frame(const uint8_t *f, uint32_t len)
{
	ts_us += 1 + rnd_below(gap_span);
	w32((uint32_t)(ts_us / 1000000));
	w32((uint32_t)(ts_us % 1000000));
	w32(len);
	w32(len);
	fwrite(f, 1, len, out);
	written++;
}

/* --- headers ---------------------------------------------------------- */

static uint8_t *put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; return p + 2; }
static uint8_t *put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); return put16(p + 2, v & 0xffff); }
static uint8_t *put(uint8_t *p, const void *s, size_t n) { memcpy(p, s, n); return p + n; }

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

struct ends {
	uint32_t src, dst;
	uint16_t sport, dport;
	const uint8_t *smac, *dmac;
};

static const uint8_t mac_client[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_router[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };

/* Writes Ethernet + IPv4 + L4 header + payload and the checksums. */
static void emit(const struct ends *e, uint8_t proto, const uint8_t *l4, uint32_t l4len,
		 uint8_t ttl)
{
	static uint8_t f[2048];
	static uint16_t ip_id;
	uint8_t *p = f, *ip, *l4p, ph[12];
	uint32_t s;

	p = put(p, e->dmac, 6);
	p = put(p, e->smac, 6);
	p = put16(p, 0x0800);
	ip = p;
	*p++ = 0x45;
	*p++ = 0;
	p = put16(p, (uint16_t)(20 + l4len));
	p = put16(p, ++ip_id);
	p = put16(p, 0x4000);
	*p++ = ttl;
	*p++ = proto;
	p = put16(p, 0);
	p = put32(p, e->src);
	p = put32(p, e->dst);
	put16(ip + 10, fold(sum16(ip, 20, 0)));
	l4p = p;
	memcpy(p, l4, l4len);
	p += l4len;
	put32(ph, e->src);
	put32(ph + 4, e->dst);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)l4len);
	s = fold(sum16(l4p, l4len, sum16(ph, 12, 0)));
	if (proto == 17 && s == 0)
		s = 0xffff;
	put16(l4p + (proto == 6 ? 16 : 6), (uint16_t)s);
	while (p - f < 60)
		*p++ = 0;               /* Ethernet minimum */
	pcap_frame(f, (uint32_t)(p - f));
}

/* --- sessions --------------------------------------------------------- */

enum kind { K_HTTP, K_TLS, K_DNS };

struct session {
	enum kind kind;
	uint32_t id;
	uint32_t step, data_pkts;       /* TCP: packets of the data phase */
	uint32_t cseq, sseq;            /* next sequence numbers */
	uint32_t body_left;             /* server payload bytes still to send */
	uint32_t tsval;
	struct ends c2s, s2c;
	char name[64];
};

static uint32_t server_addr(uint32_t i) { return 0xc6120000u | (i % n_servers + 1); }

/* splitmix64: the server of a connection comes from its number, not from the
 * session generator's stream, which the defaults' output depends on. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The server connection `id` goes to: round robin, or by popularity (-z). */
static uint32_t server_of(uint32_t id)
{
	double u;
	uint32_t lo = 0, hi;

	if (!zipf_cdf)
		return id % n_servers;
	u = (double)(mix(id ^ zipf_seed) >> 11) / 9007199254740992.0;   /* [0, 1) */
	hi = n_servers - 1;
	while (lo < hi) {               /* the first server whose share reaches u */
		uint32_t mid = lo + (hi - lo) / 2;

		if (zipf_cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Server r (from 0) gets a share proportional to 1 / (r + 1)^s. */
static int zipf_init(double s)
{
	double sum = 0;
	uint32_t r;

	zipf_cdf = malloc(n_servers * sizeof(*zipf_cdf));
	if (!zipf_cdf)
		return -1;
	for (r = 0; r < n_servers; r++)
		zipf_cdf[r] = (sum += pow(r + 1.0, -s));
	for (r = 0; r < n_servers; r++)
		zipf_cdf[r] /= sum;
	zipf_cdf[n_servers - 1] = 1.0;  /* no rounding gap at the top */
	return 0;
}

/* server payload segments in the data phase: every third packet is an ACK */
static uint32_t data_segs(uint32_t d) { return d - d / 3; }

static void tcp(struct session *s, int from_client, uint8_t flags, const uint8_t *pl,
		uint32_t plen)
{
	uint8_t h[40 + 1600], *p = h;
	const struct ends *e = from_client ? &s->c2s : &s->s2c;
	uint32_t seq = from_client ? s->cseq : s->sseq, ack = from_client ? s->sseq : s->cseq;
	int syn = flags & 0x02;

	p = put16(p, e->sport);
	p = put16(p, e->dport);
	p = put32(p, seq);
	p = put32(p, flags & 0x10 ? ack : 0);
	*p++ = (uint8_t)((syn ? 10 : 8) << 4);
	*p++ = flags;
	p = put16(p, syn ? 64240 : 502);
	p = put16(p, 0);
	p = put16(p, 0);
	if (syn) {                      /* MSS, SACK permitted, timestamps, window scale */
		static const uint8_t o[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10 };

		p = put(p, o, sizeof(o));
		p = put32(p, s->tsval);
		p = put32(p, from_client ? 0 : s->tsval);
		*p++ = 1;
		*p++ = 3; *p++ = 3; *p++ = 7;
	} else {
		*p++ = 1; *p++ = 1; *p++ = 8; *p++ = 10;
		p = put32(p, s->tsval);
		p = put32(p, s->tsval - 3);
	}
	s->tsval += 7;
	p = put(p, pl, plen);
	emit(e, 6, h, (uint32_t)(p - h), from_client ? 64 : 54);
	seq += plen + (syn ? 1 : 0) + (flags & 0x01 ? 1 : 0);
	if (from_client)
		s->cseq = seq;
	else
		s->sseq = seq;
}

static uint32_t client_hello(uint8_t *b, const char *sni)
{
	static const uint8_t suites[] = { 0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b,
		0xc0, 0x2f, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x2c, 0xc0, 0x30, 0xc0, 0x0a,
		0xc0, 0x09, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c, 0x00, 0x9d, 0x00, 0x2f };
	static const uint8_t fixed_ext[] = {
		0x00, 0x17, 0x00, 0x00,                                 /* ext. master secret */
		0xff, 0x01, 0x00, 0x01, 0x00,                           /* renegotiation info */
		0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
		0x00, 0x19, 0x01, 0x00,                                 /* supported groups */
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                     /* point formats */
		0x00, 0x23, 0x00, 0x00,                                 /* session ticket */
		0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't',
		'p', '/', '1', '.', '1',                                /* ALPN */
		0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,   /* status request */
		0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01,
		0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01, /* sig. algs */
		0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,                     /* PSK modes */
		0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,   /* versions */
	};
	uint8_t *p = b, *hs, *ext;
	size_t n = strlen(sni), i;
	uint32_t body;

	p = put(p, "\x16\x03\x01\x00\x00", 5);
	hs = p;
	p = put(p, "\x01\x00\x00\x00\x03\x03", 6);
	for (i = 0; i < 32; i++)
		*p++ = (uint8_t)rnd();
	*p++ = 32;
	for (i = 0; i < 32; i++)
		*p++ = (uint8_t)rnd();
	p = put16(p, sizeof(suites));
	p = put(p, suites, sizeof(suites));
	p = put(p, "\x01\x00", 2);
	ext = p;
	p += 2;
	p = put16(p, 0);                /* server_name */
	p = put16(p, (uint16_t)(n + 5));
	p = put16(p, (uint16_t)(n + 3));
	*p++ = 0;
	p = put16(p, (uint16_t)n);
	p = put(p, sni, n);
	p = put(p, fixed_ext, sizeof(fixed_ext));
	p = put(p, "\x00\x33\x00\x26\x00\x24\x00\x1d\x00\x20", 10);   /* key share */
	for (i = 0; i < 32; i++)
		*p++ = (uint8_t)rnd();
	/* padding: the handshake body to 508 bytes, as browsers do */
	body = (uint32_t)(p - hs - 4);
	if (body + 4 < 508) {
		uint32_t pad = 508 - body - 4;

		p = put16(p, 0x0015);
		p = put16(p, (uint16_t)pad);
		memset(p, 0, pad);
		p += pad;
	}
	put16(ext, (uint16_t)(p - ext - 2));
	body = (uint32_t)(p - hs - 4);
	hs[1] = (uint8_t)(body >> 16);
	put16(hs + 2, (uint16_t)body);
	put16(b + 3, (uint16_t)(p - hs));
	return (uint32_t)(p - b);
}

/* The server's first segment: ServerHello, ChangeCipherSpec and the start
 * of the encrypted flight, filling the segment. */
static uint32_t server_hello(uint8_t *b, uint32_t len)
{
	uint8_t *p = b, *hs;
	uint32_t i, rest;

	p = put(p, "\x16\x03\x03\x00\x00", 5);
	hs = p;
	p = put(p, "\x02\x00\x00\x00\x03\x03", 6);
	for (i = 0; i < 32; i++)
		*p++ = (uint8_t)rnd();
	*p++ = 32;
	for (i = 0; i < 32; i++)
		*p++ = (uint8_t)rnd();
	p = put(p, "\x13\x01\x00", 3);
	p = put(p, "\x00\x2e\x00\x2b\x00\x02\x03\x04\x00\x33\x00\x24\x00\x1d\x00\x20", 16);
	for (i = 0; i < 32; i++)
		*p++ = (uint8_t)rnd();
	hs[1] = 0;
	put16(hs + 2, (uint16_t)(p - hs - 4));
	put16(b + 3, (uint16_t)(p - hs));
	p = put(p, "\x14\x03\x03\x00\x01\x01", 6);
	rest = len - (uint32_t)(p - b) - 5;
	p = put(p, "\x17\x03\x03", 3);
	p = put16(p, (uint16_t)rest);
	for (i = 0; i < rest; i++)
		*p++ = (uint8_t)rnd();
	return len;
}

static void app_data(uint8_t *b, uint32_t len)
{
	uint32_t i;

	b[0] = 0x17; b[1] = 3; b[2] = 3;
	put16(b + 3, (uint16_t)(len - 5));
	for (i = 5; i < len; i++)
		b[i] = (uint8_t)(i * 151 + len);
}

static uint32_t head_len(uint8_t *b, size_t size, uint32_t cl)
{
	return (uint32_t)snprintf((char *)b, size,
		"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/javascript\r\n"
		"Content-Length: %u\r\nCache-Control: max-age=86400\r\n\r\n", cl);
}

/* Writes the response header whose Content-Length cl makes header and body
 * fill *body_left bytes; returns the header's length. The header grows with
 * cl's digits, so header + cl jumps by two at a power of ten and some totals
 * have no such cl: then the body is one byte shorter (and so the segment,
 * *n, when it is the last). */
static uint32_t http_head(uint8_t *b, size_t size, uint32_t *body_left, uint32_t *n)
{
	uint32_t d, p, hl, cl;

	for (;;) {
		for (d = 1, p = 1; d <= 10; d++, p = p < 1000000000u ? p * 10 : p) {
			hl = head_len(b, size, p);      /* the length with d digits */
			cl = *body_left - hl;
			if (hl < *body_left && (d == 10 || cl < p * 10) && cl >= (d == 1 ? 0 : p))
				return head_len(b, size, cl);
		}
		(*body_left)--;
		if (*n > *body_left)
			*n = *body_left;
	}
}

/* Emits the session's next packet; returns 0 when it has no more. */
static int step_tcp(struct session *s)
{
	uint8_t pl[1600];
	uint32_t n, k;

	switch (s->step++) {
	case 0: tcp(s, 1, 0x02, NULL, 0); return 1;
	case 1: tcp(s, 0, 0x12, NULL, 0); return 1;
	case 2: tcp(s, 1, 0x10, NULL, 0); return 1;
	case 3:
		if (s->kind == K_HTTP)
			n = (uint32_t)snprintf((char *)pl, sizeof(pl),
				"GET /static/%u/app.%u.js HTTP/1.1\r\nHost: %s\r\n"
				"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
				"Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\n"
				"Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n",
				s->id % 97, s->id, s->name);
		else
			n = client_hello(pl, s->name);
		tcp(s, 1, 0x18, pl, n);
		return 1;
	case 4: tcp(s, 0, 0x10, NULL, 0); return 1;
	default:
		break;
	}
	k = s->step - 6;                /* data phase: 0 .. data_pkts-1 */
	if (k < s->data_pkts) {
		if (k % 3 == 2) {
			tcp(s, 1, 0x10, NULL, 0);
			return 1;
		}
		n = s->body_left > MSS ? MSS : s->body_left;
		if (k == 0 && s->kind == K_HTTP) {
			uint32_t hl = http_head(pl, sizeof(pl), &s->body_left, &n);

			memset(pl + hl, 'x', n - hl);
		} else if (k == 0) {
			server_hello(pl, n);
		} else if (s->kind == K_TLS) {
			app_data(pl, n);
		} else {
			memset(pl, 'y', n);
		}
		tcp(s, 0, 0x18, pl, n);
		s->body_left -= n;
		return 1;
	}
	switch (k - s->data_pkts) {
	case 0: tcp(s, 1, 0x11, NULL, 0); return 1;
	case 1: tcp(s, 0, 0x11, NULL, 0); return 1;
	case 2: tcp(s, 1, 0x10, NULL, 0); return 0;
	}
	return 0;
}

static int step_dns(struct session *s)
{
	uint8_t m[512], *p = m + 8;
	const char *l = s->name;
	uint16_t txid = (uint16_t)(s->id * 2654435761u >> 16);
	int resp = s->step++ == 1;
	const struct ends *e = resp ? &s->s2c : &s->c2s;

	p = put16(p, txid);
	p = put16(p, resp ? 0x8180 : 0x0100);
	p = put16(p, 1);
	p = put16(p, resp ? 2 : 0);
	p = put16(p, 0);
	p = put16(p, 0);
	while (*l) {                    /* labels */
		const char *dot = strchr(l, '.');
		size_t n = dot ? (size_t)(dot - l) : strlen(l);

		*p++ = (uint8_t)n;
		p = put(p, l, n);
		l += n + (dot ? 1 : 0);
	}
	*p++ = 0;
	p = put16(p, 1);
	p = put16(p, 1);
	if (resp) {
		int i;

		for (i = 0; i < 2; i++) {
			p = put16(p, 0xc00c);
			p = put16(p, 1);
			p = put16(p, 1);
			p = put32(p, 300);
			p = put16(p, 4);
			p = put32(p, server_addr(s->id + (uint32_t)i));
		}
	}
	put16(m, e->sport);
	put16(m + 2, e->dport);
	put16(m + 4, (uint16_t)(p - m));
	put16(m + 6, 0);
	emit(e, 17, m, (uint32_t)(p - m), resp ? 63 : 64);
	return !resp;
}

static void session_init(struct session *s, enum kind k, uint32_t id, uint32_t data_pkts)
{
	uint32_t client = 0x0a100000u | (id % CLIENTS + 1), srv;

	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->id = id;
	s->c2s.smac = s->s2c.dmac = mac_client;
	s->c2s.dmac = s->s2c.smac = mac_router;
	s->c2s.src = s->s2c.dst = client;
	s->c2s.sport = s->s2c.dport = (uint16_t)(32768 + id / CLIENTS);
	if (k == K_DNS) {
		s->c2s.dst = s->s2c.src = 0x0a350001u + id % RESOLVERS;
		s->c2s.dport = s->s2c.sport = 53;
		snprintf(s->name, sizeof(s->name), "host%u.zone%u.example.com", id, id % 251);
		return;
	}
	srv = server_of(id);
	s->c2s.dst = s->s2c.src = server_addr(srv);
	s->c2s.dport = s->s2c.sport = k == K_HTTP ? 80 : 443;
	if (k == K_HTTP)
		snprintf(s->name, sizeof(s->name), "www.site%u.example.org", srv);
	else
		snprintf(s->name, sizeof(s->name), "api%u.service%u.example.net", id % 17, srv);
	s->cseq = (uint32_t)rnd();
	s->sseq = (uint32_t)rnd();
	s->tsval = (uint32_t)rnd();
	s->data_pkts = data_pkts;
	s->body_left = (data_segs(data_pkts) - 1) * MSS + 400 + rnd_below(MSS - 400);
}

static void usage(FILE *o)
{
	fprintf(o,
"usage: gen_mixed -o FILE [-n PACKETS] [-t TCP_FLOWS] [-d DNS_PAIRS] [-c CONCURRENT] [-s SEED]\n"
"                 [-S SERVERS] [-z ZIPF_S] [-r PPS]\n"
"  defaults: 1000000 packets, 50000 TCP connections (half HTTP, half TLS),\n"
"  50000 DNS query/response pairs, 512 sessions open at a time, seed 1,\n"
"  4000 servers taking connections in turn (-z S: server r from 0 is chosen\n"
"  in proportion to 1/(r+1)^S instead), timestamps 10000 packets/s on average\n");
}

int main(int argc, char **argv)
{
	uint64_t packets = 1000000, seed = 1, budget;
	uint32_t tcp_flows = 50000, dns_pairs = 50000, conc = 512, i, n_http = 0, n_tls = 0;
	uint32_t *dpk, *per_server, busiest = 0, total, next = 0, active = 0, min_d = 2, max_d;
	double zipf_s = 0, pps = 10000;
	const char *path = NULL;
	struct session *act;
	static char buf[1 << 20];
	int c;

	while ((c = getopt(argc, argv, "o:n:t:d:c:s:S:z:r:h")) != -1) {
		switch (c) {
		case 'o': path = optarg; break;
		case 'n': packets = strtoull(optarg, NULL, 10); break;
		case 't': tcp_flows = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'd': dns_pairs = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'c': conc = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'S': n_servers = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'z': zipf_s = strtod(optarg, NULL); break;
		case 'r': pps = strtod(optarg, NULL); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path || !conc || tcp_flows > CLIENTS * 30000u || dns_pairs > CLIENTS * 30000u ||
	    !n_servers || n_servers > MAX_SERVERS || !(zipf_s >= 0 && zipf_s <= 10) ||
	    !(pps >= 1 && pps <= 500000)) {
		usage(stderr);
		return 2;
	}
	/* mean gap 1e6/pps us = 1 + (gap_span - 1) / 2 */
	gap_span = (uint32_t)(2e6 / pps - 1 + 0.5);
	if (gap_span < 1)
		gap_span = 1;
	zipf_seed = mix(seed);
	if (zipf_s > 0 && zipf_init(zipf_s)) {
		fprintf(stderr, "gen_mixed: out of memory\n");
		return 1;
	}
	per_server = calloc(n_servers, sizeof(*per_server));
	if (!per_server) {
		fprintf(stderr, "gen_mixed: out of memory\n");
		return 1;
	}
	budget = packets - 2ull * dns_pairs;
	if (packets < 2ull * dns_pairs || budget < (uint64_t)tcp_flows * (8 + min_d) ||
	    (tcp_flows == 0 && budget)) {
		fprintf(stderr, "gen_mixed: %llu packets cannot hold %u connections (10+ packets each) and %u DNS pairs\n",
			(unsigned long long)packets, tcp_flows, dns_pairs);
		return 2;
	}
	rng_state ^= seed * 0x9e3779b97f4a7c15ull;
	if (!rng_state)
		rng_state = 1;           /* xorshift stays at zero */

	/* data-phase packets per connection: random, then nudged to the exact sum */
	dpk = calloc(tcp_flows ? tcp_flows : 1, sizeof(*dpk));
	if (!dpk) {
		fprintf(stderr, "gen_mixed: out of memory\n");
		return 1;
	}
	if (tcp_flows) {
		uint64_t want = budget - 8ull * tcp_flows, have = 0;
		uint32_t avg = (uint32_t)(want / tcp_flows);

		max_d = avg * 2 > 60 ? avg * 2 : 60;
		if (max_d > 200)
			max_d = 200;
		for (i = 0; i < tcp_flows; i++) {
			dpk[i] = min_d + rnd_below(avg * 2 - min_d + 1 > 1 ? avg * 2 - min_d + 1 : 1);
			if (dpk[i] > max_d)
				dpk[i] = max_d;
			have += dpk[i];
		}
		for (i = 0; have != want; i = (i + 1) % tcp_flows) {
			if (have < want && dpk[i] < max_d) { dpk[i]++; have++; }
			else if (have > want && dpk[i] > min_d) { dpk[i]--; have--; }
		}
	}

	out = fopen(path, "wb");
	if (!out) {
		fprintf(stderr, "gen_mixed: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	setvbuf(out, buf, _IOFBF, sizeof(buf));
	pcap_header();

	/* sessions in random order: connection j < tcp_flows, else DNS pair */
	total = tcp_flows + dns_pairs;
	act = calloc(conc, sizeof(*act));
	if (!act) {
		fprintf(stderr, "gen_mixed: out of memory\n");
		return 1;
	}
	{
		uint32_t left_tcp = tcp_flows, left_dns = dns_pairs, t_id = 0, d_id = 0;

		for (;;) {
			while (active < conc && next < total) {
				int is_tcp = rnd_below(left_tcp + left_dns) < left_tcp;

				if (is_tcp) {
					enum kind k = t_id % 2 ? K_TLS : K_HTTP;

					session_init(&act[active++], k, t_id, dpk[t_id]);
					if (++per_server[server_of(t_id)] > busiest)
						busiest = per_server[server_of(t_id)];
					if (k == K_HTTP) n_http++; else n_tls++;
					t_id++;
					left_tcp--;
				} else {
					session_init(&act[active++], K_DNS, d_id++, 0);
					left_dns--;
				}
				next++;
			}
			if (!active)
				break;
			i = rnd_below(active);
			if (!(act[i].kind == K_DNS ? step_dns(&act[i]) : step_tcp(&act[i])))
				act[i] = act[--active];
		}
	}
	if (fclose(out)) {
		fprintf(stderr, "gen_mixed: writing %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (written != packets) {
		fprintf(stderr, "gen_mixed: wrote %llu packets, meant %llu (a bug)\n",
			(unsigned long long)written, (unsigned long long)packets);
		return 1;
	}
	printf("packets=%llu tcp_flows=%u http=%u tls=%u dns_pairs=%u seconds=%.1f servers=%u "
	       "busiest_server_flows=%u\n",
	       (unsigned long long)written, tcp_flows, n_http, n_tls, dns_pairs,
	       (double)(ts_us - 1700000000ull * 1000000) / 1e6, n_servers, busiest);
	free(dpk);
	free(act);
	free(per_server);
	free(zipf_cdf);
	return 0;
}
