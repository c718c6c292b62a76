/* SPDX-License-Identifier: BSD-3-Clause */
/* meta_fmt.c - a parsed frame as the columns of a tshark truth file. */
#include "meta_fmt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "pl_abi.h"

static void fmt_mac(const __u8 *a, char *b, size_t n)
{
	snprintf(b, n, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void fmt_ip(const struct pl_meta *m, const __u8 *a, char *b, size_t n)
{
	if (m->ip_version == 4)
		inet_ntop(AF_INET, a + 12, b, (socklen_t)n);
	else
		inet_ntop(AF_INET6, a, b, (socklen_t)n);
}

static void fmt_str(const char *s, unsigned len, char *b, size_t n)
{
	if (len >= n)
		len = (unsigned)n - 1;
	memcpy(b, s, len);
	b[len] = 0;
}

/* In the order of the truth file's columns (tshark-truth.sh), from column 2. */
static const char *const col_names[] = {
	"eth_src", "eth_dst", "vlan_ids", "ip_src", "ip_dst", "l4_proto", "ttl", "frag_mf",
	"frag_off", "sport", "dport", "tcp_flags", "dns_qname", "dns_qtype", "dns_rcode",
	"tls_sni", "http_method", "http_host", "http_uri", "ip_version", "ip_hdr_len",
	"tcp_seq", "tcp_ack", "tcp_win", "icmp_type", "icmp_code", "arp_op", "arp_spa",
	"arp_tpa", "dns_resp", "tls_ch", "tls_versions",
};
_Static_assert(sizeof(col_names) / sizeof(col_names[0]) == PL_COL__LAST - PL_COL_ETH_SRC + 1,
	       "one name per column");

const char *pl_col_name(int col)
{
	if (col < PL_COL_ETH_SRC || col > PL_COL__LAST)
		return NULL;
	return col_names[col - PL_COL_ETH_SRC];
}

int pl_col_by_name(const char *name)
{
	for (int c = PL_COL_ETH_SRC; c <= PL_COL__LAST; c++)
		if (!strcmp(col_names[c - PL_COL_ETH_SRC], name))
			return c;
	return -1;
}

void pl_meta_column(const struct pl_meta *m, int col, char *b, size_t n)
{
	int ip = m->flags & PL_F_IP, l4 = m->flags & PL_F_L4;
	int tcp = l4 && m->l4_proto == 6, udp = l4 && m->l4_proto == 17;
	int icmp = l4 && (m->l4_proto == 1 || m->l4_proto == 58);
	int i;

	b[0] = 0;
	switch (col) {
	case PL_COL_ETH_SRC:
		if (m->malformed != PL_MAL_ETH_TRUNCATED)
			fmt_mac(m->eth_src, b, n);
		break;
	case PL_COL_ETH_DST:
		if (m->malformed != PL_MAL_ETH_TRUNCATED)
			fmt_mac(m->eth_dst, b, n);
		break;
	case PL_COL_VLAN_IDS:
		for (i = 0; i < m->n_vlans; i++)
			snprintf(b + strlen(b), n - strlen(b), "%s%u", i ? "," : "", m->vlan_ids[i]);
		break;
	case PL_COL_IP_SRC: if (ip) fmt_ip(m, m->src, b, n); break;
	case PL_COL_IP_DST: if (ip) fmt_ip(m, m->dst, b, n); break;
	case PL_COL_L4_PROTO: if (ip) snprintf(b, n, "%u", m->l4_proto); break;
	case PL_COL_TTL: if (ip) snprintf(b, n, "%u", m->ttl); break;
	case PL_COL_FRAG_MF:
		if (ip && (m->ip_version == 4 || (m->flags & PL_F_FRAG_HDR)))
			snprintf(b, n, "%u", (m->flags & PL_F_MF) ? 1 : 0);
		break;
	case PL_COL_FRAG_OFF:
		if (ip && (m->ip_version == 4 || (m->flags & PL_F_FRAG_HDR)))
			snprintf(b, n, "%u", m->frag_off);
		break;
	case PL_COL_SPORT: if (tcp || udp) snprintf(b, n, "%u", m->sport); break;
	case PL_COL_DPORT: if (tcp || udp) snprintf(b, n, "%u", m->dport); break;
	case PL_COL_TCP_FLAGS: if (tcp) snprintf(b, n, "0x%04x", m->tcp_flags); break;
	case PL_COL_TCP_SEQ: if (tcp) snprintf(b, n, "%u", m->tcp_seq); break;
	case PL_COL_TCP_ACK: if (tcp) snprintf(b, n, "%u", m->tcp_ack); break;
	case PL_COL_TCP_WIN: if (tcp) snprintf(b, n, "%u", m->tcp_win); break;
	case PL_COL_ICMP_TYPE: if (icmp) snprintf(b, n, "%u", m->icmp_type); break;
	case PL_COL_ICMP_CODE: if (icmp) snprintf(b, n, "%u", m->icmp_code); break;
	case PL_COL_IP_VERSION: if (m->ip_version) snprintf(b, n, "%u", m->ip_version); break;
	case PL_COL_IP_HDR_LEN:
		if (m->ip_version == 4 && m->ip_hdr_len)
			snprintf(b, n, "%u", m->ip_hdr_len);
		break;
	case PL_COL_ARP_OP: if (m->eth_proto == 0x0806 && m->arp_op) snprintf(b, n, "%u", m->arp_op); break;
	case PL_COL_ARP_SPA: if (m->flags & PL_F_ARP) inet_ntop(AF_INET, m->arp_spa, b, (socklen_t)n); break;
	case PL_COL_ARP_TPA: if (m->flags & PL_F_ARP) inet_ntop(AF_INET, m->arp_tpa, b, (socklen_t)n); break;
	case PL_COL_DNS_QNAME:
		if (m->l7_kind == PL_L7_DNS && m->l7.dns.has_question) {
			if (m->l7.dns.qname_len)
				fmt_str(m->l7.dns.qname, m->l7.dns.qname_len, b, n);
			else
				snprintf(b, n, "<Root>");
		}
		break;
	case PL_COL_DNS_QTYPE:
		if (m->l7_kind == PL_L7_DNS && m->l7.dns.has_question)
			snprintf(b, n, "%u", m->l7.dns.qtype);
		break;
	case PL_COL_DNS_RCODE:
		if (m->l7_kind == PL_L7_DNS && m->l7.dns.qr)
			snprintf(b, n, "%u", m->l7.dns.rcode);
		break;
	case PL_COL_DNS_RESP:
		if (m->l7_kind == PL_L7_DNS)
			snprintf(b, n, "%u", m->l7.dns.qr);
		break;
	case PL_COL_TLS_CH:
		if (m->l7_kind == PL_L7_TLS && (m->l7.tls.flags & PL_TLS_COMPLETE))
			snprintf(b, n, "1");
		break;
	case PL_COL_TLS_SNI:
		if (m->l7_kind == PL_L7_TLS && (m->l7.tls.flags & PL_TLS_COMPLETE) &&
		    (m->l7.tls.flags & PL_TLS_HAS_SNI))
			fmt_str(m->l7.tls.sni, m->l7.tls.sni_len, b, n);
		break;
	case PL_COL_TLS_VERSIONS:
		if (m->l7_kind == PL_L7_TLS && (m->l7.tls.flags & PL_TLS_COMPLETE))
			for (i = 0; i < m->l7.tls.n_versions; i++)
				snprintf(b + strlen(b), n - strlen(b), "%s0x%04x", i ? "," : "",
					 m->l7.tls.versions[i]);
		break;
	case PL_COL_HTTP_METHOD:
		if (m->l7_kind == PL_L7_HTTP)
			fmt_str(m->l7.http.method, m->l7.http.method_len, b, n);
		break;
	case PL_COL_HTTP_HOST:
		if (m->l7_kind == PL_L7_HTTP && (m->l7.http.flags & PL_HTTP_HAS_HOST))
			fmt_str(m->l7.http.host, m->l7.http.host_len, b, n);
		break;
	case PL_COL_HTTP_URI:
		if (m->l7_kind == PL_L7_HTTP)
			fmt_str(m->l7.http.path, m->l7.http.path_len, b, n);
		break;
	}
}

void pl_meta_canon(struct pl_meta *m)
{
	switch (m->l7_kind) {
	case PL_L7_DNS: {
		struct pl_dns d = m->l7.dns;

		memset(&m->l7, 0, sizeof(m->l7));
		memcpy(&m->l7.dns, &d, offsetof(struct pl_dns, qname));
		memset(m->l7.dns.pad, 0, sizeof(m->l7.dns.pad));
		memcpy(m->l7.dns.qname, d.qname, d.qname_len < sizeof(d.qname) ? d.qname_len : sizeof(d.qname));
		break;
	}
	case PL_L7_TLS: {
		struct pl_tls t = m->l7.tls;

		memset(&m->l7, 0, sizeof(m->l7));
		memcpy(&m->l7.tls, &t, offsetof(struct pl_tls, versions));
		memcpy(m->l7.tls.versions, t.versions, t.n_versions * sizeof(t.versions[0]));
		m->l7.tls.n_versions = t.n_versions;
		m->l7.tls.flags = t.flags;
		m->l7.tls.sni_len = t.sni_len;
		memcpy(m->l7.tls.sni, t.sni, t.sni_len < sizeof(t.sni) ? t.sni_len : sizeof(t.sni));
		break;
	}
	case PL_L7_HTTP: {
		struct pl_http h = m->l7.http;

		memset(&m->l7, 0, sizeof(m->l7));
		m->l7.http.method_len = h.method_len;
		m->l7.http.host_len = h.host_len;
		m->l7.http.path_len = h.path_len;
		m->l7.http.flags = h.flags;
		memcpy(m->l7.http.method, h.method, h.method_len < sizeof(h.method) ? h.method_len : sizeof(h.method));
		memcpy(m->l7.http.host, h.host, h.host_len);
		memcpy(m->l7.http.path, h.path, h.path_len < sizeof(h.path) ? h.path_len : sizeof(h.path));
		break;
	}
	default:
		memset(&m->l7, 0, sizeof(m->l7));
	}
}
