/* SPDX-License-Identifier: BSD-3-Clause */
/* test_bpf.c - the real XDP program under BPF_PROG_TEST_RUN: verdicts, the
 * per-CPU counters and the flow table after crafted packets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "replay.h"
#include "pktlens.skel.h"
#include "../common/packets.h"

static struct pl_replay rp;

static int setup(void **s)
{
	char err[256];

	(void)s;
	if (pl_replay_open(&rp, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	pl_replay_close(&rp);
	return 0;
}

static unsigned long flows_in_table(void)
{
	struct pl_flow_key k, next;
	unsigned long n = 0;
	int fd = bpf_map__fd(rp.skel->maps.pl_flows);

	if (bpf_map_get_next_key(fd, NULL, &k))
		return 0;
	do {
		n++;
	} while (!bpf_map_get_next_key(fd, &k, &next) && (k = next, 1));
	return n;
}

static void test_verdict_and_counters(void **s)
{
	struct pl_counters c0, c1;
	struct pl_meta m;
	struct pkt p;
	int verdict = -1;

	(void)s;
	assert_int_equal(pl_replay_counters(&rp, &c0), 0);
	pk_dns_query(&p);
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 1000, &verdict, &m), 0);
	assert_int_equal(verdict, 2 /* XDP_PASS */);
	assert_int_equal(m.l7_kind, PL_L7_DNS);
	assert_int_equal(pl_replay_counters(&rp, &c1), 0);
	assert_int_equal(c1.packets - c0.packets, 1);
	assert_int_equal(c1.bytes - c0.bytes, p.len);
	assert_int_equal(c1.l7[PL_L7_DNS] - c0.l7[PL_L7_DNS], 1);
	assert_int_equal(c1.l4_proto[17] - c0.l4_proto[17], 1);
	assert_int_equal(c1.ethertype[PL_ETHC_IPV4] - c0.ethertype[PL_ETHC_IPV4], 1);
	assert_int_equal(c1.verdict[2] - c0.verdict[2], 1);
}

static void test_flow_table(void **s)
{
	struct pl_counters c0, c1;
	struct pkt p;
	unsigned long before;
	int i;

	(void)s;
	before = flows_in_table();
	assert_int_equal(pl_replay_counters(&rp, &c0), 0);
	pk_http_get(&p);
	for (i = 0; i < 3; i++)
		assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 2000 + i, NULL, NULL), 0);
	assert_int_equal(pl_replay_counters(&rp, &c1), 0);
	assert_int_equal(c1.flows_new - c0.flows_new, 1);    /* one flow, three packets */
	assert_int_equal(flows_in_table(), before + 1);
}

static void test_malformed_counted(void **s)
{
	struct pl_counters c0, c1;
	struct pl_meta m;
	struct pkt p;
	int verdict = -1;

	(void)s;
	assert_int_equal(pl_replay_counters(&rp, &c0), 0);
	pk_dns_query(&p);
	p.b[14] = 0x43;                         /* IHL 3 */
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 3000, &verdict, &m), 0);
	assert_int_equal(verdict, 2);
	assert_int_equal(m.malformed, PL_MAL_IPV4_BAD_IHL);
	assert_int_equal(pl_replay_counters(&rp, &c1), 0);
	assert_int_equal(c1.malformed[PL_MAL_IPV4_BAD_IHL] - c0.malformed[PL_MAL_IPV4_BAD_IHL], 1);
}

static void test_snapped_not_malformed(void **s)
{
	struct pl_meta m;
	struct pkt p;

	(void)s;
	pk_http_get(&p);
	/* captured 60 bytes of a longer packet: not malformed, marked snapped */
	assert_int_equal(pl_replay_run(&rp, p.b, 60, p.len, 4000, NULL, &m), 0);
	assert_int_equal(m.malformed, PL_MAL_NONE);
	assert_true(m.flags & PL_F_SNAPPED);
	assert_int_equal(m.sport, 40000);
	/* the same cut without the original length: the IP length lies */
	assert_int_equal(pl_replay_run(&rp, p.b, 60, 60, 4001, NULL, &m), 0);
	assert_int_equal(m.malformed, PL_MAL_IPV4_LEN_GT_FRAME);
}

static void test_tls_sni_in_kernel(void **s)
{
	struct pl_meta m;
	struct pkt p;

	(void)s;
	pk_tls_ch(&p);
	assert_int_equal(pl_replay_run(&rp, p.b, p.len, p.len, 5000, NULL, &m), 0);
	assert_int_equal(m.l7_kind, PL_L7_TLS);
	assert_int_equal(m.l7.tls.sni_len, 9);
	assert_memory_equal(m.l7.tls.sni, "a.example", 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_and_counters),
		cmocka_unit_test(test_flow_table),
		cmocka_unit_test(test_malformed_counted),
		cmocka_unit_test(test_snapped_not_malformed),
		cmocka_unit_test(test_tls_sni_in_kernel),
	};

	return cmocka_run_group_tests_name("bpf", tests, setup, teardown);
}
