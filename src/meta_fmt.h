/* SPDX-License-Identifier: BSD-3-Clause */
/* meta_fmt.h - a parsed frame as the columns of a tshark truth file. */
#ifndef PL_META_FMT_H
#define PL_META_FMT_H
#include <stddef.h>
#include "pl_meta.h"

enum pl_col {
	PL_COL_ETH_SRC = 2, PL_COL_ETH_DST, PL_COL_VLAN_IDS, PL_COL_IP_SRC, PL_COL_IP_DST,
	PL_COL_L4_PROTO, PL_COL_TTL, PL_COL_FRAG_MF, PL_COL_FRAG_OFF, PL_COL_SPORT,
	PL_COL_DPORT, PL_COL_TCP_FLAGS, PL_COL_DNS_QNAME, PL_COL_DNS_QTYPE,
	PL_COL_DNS_RCODE, PL_COL_TLS_SNI, PL_COL_HTTP_METHOD, PL_COL_HTTP_HOST,
	PL_COL_HTTP_URI, PL_COL_IP_VERSION, PL_COL_IP_HDR_LEN, PL_COL_TCP_SEQ,
	PL_COL_TCP_ACK, PL_COL_TCP_WIN, PL_COL_ICMP_TYPE, PL_COL_ICMP_CODE,
	PL_COL_ARP_OP, PL_COL_ARP_SPA, PL_COL_ARP_TPA, PL_COL_DNS_RESP, PL_COL_TLS_CH,
	PL_COL_TLS_VERSIONS, PL_COL__LAST = PL_COL_TLS_VERSIONS
};

/* The column's name in the truth file's header ("ip_src"); NULL if none. */
const char *pl_col_name(int col);
/* The column of that name, or -1. */
int pl_col_by_name(const char *name);
/* Our value for a column, in tshark's spelling; "" when absent. */
void pl_meta_column(const struct pl_meta *m, int col, char *buf, size_t len);
/* Zero what the parser left undefined, so two metas compare with memcmp. */
void pl_meta_canon(struct pl_meta *m);
#endif
