/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz_collector.c - libFuzzer over what the kernel hands the collector:
 * ring-buffer events and flow-table entries (src/collector.c, reasm.c,
 * records.c, sink.c) and, through the collector's hooks, the detections
 * (src/detect*.c), as `run` and `analyze` wire them.
 *
 * One input is a sequence (collector_input.h): events of every type at
 * their exact size or cut short or oversized, with any field values;
 * entries written to a real BPF flow table (an LRU per-CPU hash with the
 * kernel's key and value, created once: root) that sweeps read, as the
 * daemon's do; sweeps and the analyze hint. Then a final sweep closes
 * every connection and writes its records, and the summary is printed.
 *
 * Checked besides ASan and UBSan:
 * - every record written is one line of JSON, an object with "_path", and
 *   valid UTF-8 (text from the network is escaped: text_escape.h);
 * - the summary holds no control byte but LF, no DEL, no C1 control, no
 *   bidi override, and is valid UTF-8 (the names in it are escaped);
 * - the final sweep leaves no connection open;
 * - the detections call ban/limit/pin/trust as detect.h says (a time > 0,
 *   a note's id as reason, a limit's protocol one of PL_DLIM_*).
 * Records go to a memory stream (the sink writes to stdout), not to disk;
 * FUZZ_COLLECTOR_PRINT=1 in the environment shows them on stderr. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "collector.h"
#include "detect.h"
#include "pl_policy.h"
#include "sink.h"
#include "summary.h"
#include "text_escape.h"
#include "collector_input.h"

#define MAX_INPUT (1 << 20)
#define FLOWS_MAX 256           /* small: the LRU evicts, as a full table does */

static int flows_fd = -1;
static int ncpu;
static struct pl_flow_val *vals;        /* ncpu of them */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ncpu = libbpf_num_possible_cpus();
	flows_fd = bpf_map_create(BPF_MAP_TYPE_LRU_PERCPU_HASH, "fuzz_flows",
				  sizeof(struct pl_flow_key), sizeof(struct pl_flow_val),
				  FLOWS_MAX, NULL);
	if (ncpu <= 0 || flows_fd < 0) {
		fprintf(stderr, "fuzz_collector: cannot create the BPF flow table: %s (run as root)\n",
			strerror(errno));
		exit(1);
	}
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		abort();
	return 0;
}

/* ---- what the detections may ask for (detect.h) -------------------------- */

static int act_fail;

static void check_reason(uint32_t reason)
{
	if (reason < 1 || reason > PL_NOTE__COUNT)
		abort();
}

static int act_ban(void *ctx, const uint8_t addr[16], uint64_t ttl_ns, uint32_t reason,
		   char *err, size_t errlen)
{
	(void)ctx;
	if (!addr || !ttl_ns)
		abort();
	check_reason(reason);
	if (act_fail)
		snprintf(err, errlen, "the ban table is full");
	return act_fail ? -1 : 0;
}

static int act_limit(void *ctx, const uint8_t dst[16], uint8_t proto, uint16_t dport,
		     uint64_t pps, uint64_t ttl_ns, uint32_t reason, char *err, size_t errlen)
{
	(void)ctx;
	(void)dport;
	if (!dst || !ttl_ns || !pps || (proto != PL_DLIM_SYN && proto != PL_DLIM_UDP &&
					proto != PL_DLIM_ICMP && proto != PL_DLIM_ICMP6))
		abort();
	check_reason(reason);
	if (act_fail)
		snprintf(err, errlen, "the limit table is full");
	return act_fail ? -1 : 0;
}

static void act_trust(void *ctx, const uint8_t src[16], const uint8_t dst[16], uint64_t ttl_ns)
{
	(void)ctx;
	if (!src || !dst || !ttl_ns)
		abort();
}

static int act_pin(void *ctx, const uint8_t ip[4], uint32_t ifindex, uint16_t vlan,
		   const uint8_t mac[6], uint64_t ttl_ns, uint32_t reason, int *restored,
		   char *err, size_t errlen)
{
	(void)ctx;
	(void)ifindex;
	(void)vlan;
	if (!ip || !mac || !ttl_ns || !restored)
		abort();
	check_reason(reason);
	if (act_fail)
		snprintf(err, errlen, "the pin table is full");
	else
		*restored = ip[3] & 1;
	return act_fail ? -1 : 0;
}

/* ---- the scene ------------------------------------------------------------ */

static void low_thresholds(struct pl_detect_cfg *cfg)
{
	static const char *const kv[][2] = {
		{ "syn-flood-window", "1" }, { "syn-flood-rate", "1" },
		{ "syn-flood-unanswered", "0" }, { "udp-flood-window", "1" },
		{ "udp-flood-rate", "1" }, { "icmp-flood-window", "1" },
		{ "icmp-flood-rate", "1" }, { "flood-spoofed-sources", "2" },
		{ "flood-source-share", "0.01" }, { "source-rate-window", "1" },
		{ "source-rate-pps", "1" }, { "source-rate-bps", "1" },
		{ "source-rate-factor", "1" }, { "source-rate-ban", "1" },
		{ "scan-window", "1" }, { "scan-ports", "2" }, { "scan-hosts", "2" },
		{ "bad-flags-count", "1" }, { "dns-window", "1" }, { "dns-label-len", "8" },
		{ "dns-entropy", "1" }, { "dns-suspicious", "1" }, { "dns-subdomains", "2" },
		{ "dns-odd-types", "1" }, { "dns-answer-bytes", "1" }, { "dns-name-bytes", "1" },
		{ "dns-sustain", "0" }, { "dns-notice-score", "1" }, { "dns-ban-score", "2" },
		{ "arp-window", "1" }, { "arp-storm", "2" },
		{ "baseline-interval", "0.001" }, { "baseline-warmup", "0" },
		{ "baseline-alpha", "1" }, { "baseline-deviations", "1" },
		{ "baseline-min-pps", "0" }, { "baseline-ban", "1" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (pl_detect_cfg_set(cfg, kv[i][0], kv[i][1], err, sizeof(err)))
			abort();        /* a key or bound changed: update this list */
}

/* The exact size of an event of `type`, as the kernel reserves it. */
static size_t event_size(uint16_t type)
{
	switch (type) {
	case PL_EV_FLOW_NEW: return sizeof(struct pl_ev_flow);
	case PL_EV_L7: return sizeof(struct pl_ev_l7);
	case PL_EV_MALFORMED: return sizeof(struct pl_ev_malformed);
	case PL_EV_PAYLOAD: return sizeof(struct pl_ev_payload);
	case PL_EV_ARP: return sizeof(struct pl_ev_arp);
	case PL_EV_FRAGMENT: return sizeof(struct pl_ev_fragment);
	default: return sizeof(struct pl_event_hdr) + 64;
	}
}

static uint64_t le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Hands the collector `size` bytes in an allocation of exactly that size,
 * so that ASan sees any read past the event. */
static void deliver(struct pl_collector *c, const void *bytes, size_t size)
{
	void *e = malloc(size);

	if (!e)
		abort();
	memcpy(e, bytes, size);
	if (pl_collector_on_event(c, e, size) != 0)
		abort();        /* a ring-buffer callback that stops the ring */
	free(e);
}

static void typed_event(struct pl_collector *c, const uint8_t *d, size_t n)
{
	uint16_t type = n ? d[0] : 0;
	size_t size = event_size(type), body = size - 4;
	uint8_t *e = calloc(1, size);
	struct pl_event_hdr h;

	if (!e)
		abort();
	if (n > 1)
		memcpy(e + 4, d + 1, n - 1 < body ? n - 1 : body);
	memcpy(&h, e, sizeof(h));
	h.type = type;
	h.size = (uint16_t)size;
	memcpy(e, &h, sizeof(h));
	deliver(c, e, size);
	free(e);
}

static void flow_entry(const uint8_t *d, size_t n, int del)
{
	struct pl_flow_key k;
	size_t rest;

	memset(&k, 0, sizeof(k));
	memcpy(&k, d, n < sizeof(k) ? n : sizeof(k));
	if (del) {
		bpf_map_delete_elem(flows_fd, &k);
		return;
	}
	memset(vals, 0, (size_t)ncpu * sizeof(*vals));
	rest = n > sizeof(k) ? n - sizeof(k) : 0;
	if (rest > (size_t)ncpu * sizeof(*vals))
		rest = (size_t)ncpu * sizeof(*vals);
	memcpy(vals, d + sizeof(k), rest);
	/* may fail (the LRU has no free slot for this CPU): the kernel
	 * counts that as flow_insert_fail, nothing for the collector */
	bpf_map_update_elem(flows_fd, &k, vals, BPF_ANY);
}

static void flows_clear(void)
{
	struct pl_flow_key k;

	while (!bpf_map_get_next_key(flows_fd, NULL, &k))
		if (bpf_map_delete_elem(flows_fd, &k))
			abort();
}

/* Every record is one line of JSON: an object naming its kind. */
static void check_records(const char *out, size_t len)
{
	const char *p = out, *end = out + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct json_tokener *t = json_tokener_new();
		struct json_object *o, *path;

		if (!nl || !t)
			abort();        /* a record not ended by a newline */
		json_tokener_set_flags(t, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		o = json_tokener_parse_ex(t, p, (int)(nl - p));
		if (!o || json_tokener_get_error(t) != json_tokener_success ||
		    t->char_offset != (int)(nl - p) ||
		    !json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, "_path", &path) ||
		    !json_object_is_type(path, json_type_string))
			abort();
		json_object_put(o);
		json_tokener_free(t);
		p = nl + 1;
	}
}

/* What a terminal or the journal is shown: one line per line, nothing
 * that moves the cursor, retitles, or turns the text around. */
static void check_terminal(const char *out, size_t len)
{
	const uint8_t *p = (const uint8_t *)out;
	size_t i;

	if (pl_esc_clean_len(out, len, PL_ESC_JSON) != len)
		abort();                /* invalid UTF-8 */
	for (i = 0; i < len; i++) {
		if ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7f)
			abort();
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			abort();        /* C1 */
		if (p[i] == 0xe2 && i + 2 < len &&
		    ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae) ||
		     (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
			abort();        /* bidi override or isolate */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_collector_opts co = {
		.idle_timeout_ns = 60 * 1000000000ull, .active_timeout_ns = 1800 * 1000000000ull,
		.tcp_close_ns = 5 * 1000000000ull, .dns_idle_ns = 10 * 1000000000ull,
	};
	struct pl_detect_actions act = { .ban = act_ban, .limit = act_limit,
					 .trust = act_trust, .pin = act_pin };
	struct pl_counters *cnt = calloc(1, sizeof(*cnt));
	struct pl_detect_cfg cfg;
	struct pl_collector *c;
	struct pl_detect *det = NULL;
	struct pl_sink sink;
	char err[256], *out = NULL, *sout = NULL;
	size_t outlen = 0, soutlen = 0, off = 1;
	FILE *mem, *smem, *saved = stdout;
	uint8_t scene;

	if (!size || size > MAX_INPUT || !cnt)
		return free(cnt), 0;
	scene = data[0];
	act_fail = !!(scene & FZC_ACT_FAIL);
	if (scene & FZC_SHORT) {
		co.idle_timeout_ns = co.active_timeout_ns = 1000000000ull;
		co.tcp_close_ns = co.dns_idle_ns = 500000000ull;
	}
	mem = open_memstream(&out, &outlen);
	if (!mem || pl_sink_open(&sink, NULL, 0, err, sizeof(err)))
		abort();
	stdout = mem;                   /* the sink writes records to stdout */
	flows_clear();
	c = pl_collector_new(&co, &sink, flows_fd);
	if (!c)
		abort();
	if (scene & FZC_DETECT) {
		struct pl_collector_hooks hk;

		pl_detect_cfg_defaults(&cfg);
		if (scene & FZC_LOW)
			low_thresholds(&cfg);
		cfg.dry_run = !!(scene & FZC_DRY_RUN);
		det = pl_detect_new(&cfg, &sink, 0, scene & FZC_ACTIONS ? &act : NULL);
		if (!det)
			abort();
		pl_detect_hooks(det, &hk);
		pl_collector_set_hooks(c, &hk);
	}

	while (off < size) {
		uint8_t op = data[off];
		size_t n = 0;
		const uint8_t *d;

		if (off + 3 <= size)
			n = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
		off += 3;
		if (off > size)
			off = size;
		if (n > size - off)
			n = size - off;
		d = data + off;
		off += n;
		switch (op & 7) {
		case FZC_OP_RAW:
			if (n)
				deliver(c, d, n);
			break;
		case FZC_OP_EVENT:
		case FZC_OP_EVENT2:
			typed_event(c, d, n);
			break;
		case FZC_OP_FLOW:
			flow_entry(d, n, 0);
			break;
		case FZC_OP_FLOW_DEL:
			flow_entry(d, n, 1);
			break;
		case FZC_OP_SWEEP:
			pl_collector_sweep(c, le64(d, n), 0);
			break;
		case FZC_OP_SINCE:
			pl_collector_changed_since(c, le64(d, n));
			break;
		case FZC_OP_COUNTERS:
			memcpy(cnt, d, n < sizeof(*cnt) ? n : sizeof(*cnt));
			break;
		}
	}
	pl_collector_sweep(c, 0, 1);
	if (pl_collector_stats(c)->conns_open)
		abort();                /* the final sweep closes every connection */
	smem = open_memstream(&sout, &soutlen);
	if (!smem)
		abort();
	pl_summary_print(smem, cnt, c, NULL);
	pl_summary_print_egress(smem, cnt);
	if (det)
		pl_detect_summary(det, smem);
	fclose(smem);
	check_terminal(sout, soutlen);
	free(sout);
	pl_collector_free(c);
	pl_detect_free(det);
	pl_sink_close(&sink);
	stdout = saved;
	fclose(mem);
	if (getenv("FUZZ_COLLECTOR_PRINT"))     /* to see what a seed makes */
		fwrite(out, 1, outlen, stderr);
	check_records(out, outlen);
	free(out);
	free(cnt);
	return 0;
}
