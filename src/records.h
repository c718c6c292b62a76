/* SPDX-License-Identifier: BSD-3-Clause */
/* records.h - the pieces of Zeek-style records: timestamps, uids, the
 * connection 4-tuple, and the names Zeek gives to numbers. */
#ifndef PL_RECORDS_H
#define PL_RECORDS_H

#include <stdint.h>
#include <json-c/json.h>
#include "pl_abi.h"

#define PL_UID_LEN 18           /* 'C' + 17 base62 digits, as Zeek's uids */

/* A new record object whose first member is "_path": KIND. */
/* Every key pktlens writes is a string literal: json-c need not copy it
 * (a malloc per field was a tenth of `analyze`'s time). */
static inline int pl_rec_add(struct json_object *o, const char *literal_key,
			     struct json_object *v)
{
	return json_object_object_add_ex(o, literal_key, v, JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

struct json_object *pl_rec_new(const char *kind);
/* Epoch seconds with microseconds, printed as Zeek prints them. */
void pl_rec_ts(struct json_object *o, const char *name, uint64_t ns);
void pl_rec_secs(struct json_object *o, const char *name, uint64_t ns);
/* id.orig_h, id.orig_p, id.resp_h, id.resp_p from a key in orig direction. */
void pl_rec_id(struct json_object *o, const struct pl_flow_key *orig);
/* A string from the network (or holding parts of one): n bytes, NULs
 * included; bytes that are not valid UTF-8 are written as `\xNN` text
 * (text_escape.h), so the record stays valid UTF-8. */
void pl_rec_str(struct json_object *o, const char *name, const char *s, size_t n);
/* The same for a NUL-terminated string (a notice message quoting a name). */
void pl_rec_strz(struct json_object *o, const char *name, const char *s);
void pl_rec_u64(struct json_object *o, const char *name, uint64_t v);

/* IPv4-mapped addresses print as dotted quads, others in RFC 5952 form. */
void pl_addr_str(const uint8_t a[16], char *out, size_t outlen);
void pl_uid_make(uint64_t seed, char out[PL_UID_LEN + 1]);

const char *pl_proto_name(uint8_t proto);      /* "tcp", "udp", "icmp" or NULL */
const char *pl_dns_qtype_name(uint16_t t);     /* NULL when unknown */
const char *pl_dns_rcode_name(uint8_t r);
const char *pl_dns_qclass_name(uint16_t c);
/* "TLSv13" etc.: the highest version the client offered. */
const char *pl_tls_version_name(const struct pl_tls *t);

#endif
