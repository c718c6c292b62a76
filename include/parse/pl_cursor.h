/* SPDX-License-Identifier: BSD-3-Clause */
/* pl_cursor.h - bounds-checked access to the bytes of one frame.
 *
 * Every read of packet bytes in the parser goes through these helpers, so an
 * unchecked read does not exist. They are written the way the BPF verifier
 * can follow: an offset is first clamped to PL_MAX_OFF (which bounds the
 * variable part of the pointer), then `data + off + len` is compared with the
 * end of the visible bytes, with `len` a compile-time constant after inlining.
 * No BPF helper is called, so the same code compiles natively.
 *
 * Two lengths matter: `end - data` is what the parser can see, `pkt_len` is
 * how long the packet really is. They differ only for a capture taken with a
 * snap length, or a frame handed over with part of it out of reach; then a
 * header that ends beyond the visible bytes but inside pkt_len is "not seen",
 * not malformed (PL_F_SNAPPED).
 */
#ifndef PL_CURSOR_H
#define PL_CURSOR_H

#ifdef __bpf__
#define PL_INLINE static __always_inline
#else
#include <stddef.h>
#include <string.h>
#define PL_INLINE static inline __attribute__((always_inline))
#endif

#include "pl_meta.h"
#include "pl_reasons.h"

#define PL_MAX_OFF 0x7fff       /* largest offset the parser reads at */

#ifdef __bpf__
/* The context of the BPF program the parser is built into, which the L7
 * subprograms take (PL_SUBPROG below): the verifier checks a global
 * function's context argument against the program's type, so each program
 * type needs its own build of them. XDP's by default; the TC egress object
 * defines it as struct __sk_buff before including the parser. Both have
 * `data` and `data_end`, which is all the subprograms read. */
#ifndef PL_BPF_CTX
#define PL_BPF_CTX struct xdp_md
#endif
#endif

struct pl_pkt {
	const __u8 *data;
	const __u8 *end;        /* one past the last visible byte */
	__u32 pkt_len;          /* real packet length, >= end - data */
#ifdef __bpf__
	PL_BPF_CTX *ctx;        /* for the L7 subprograms, see PL_SUBPROG */
#endif
};

/* Pointer to `len` visible bytes at `off`, or NULL. */
PL_INLINE const __u8 *pl_at(const struct pl_pkt *pk, __u32 off32, __u32 len)
{
	/* 64-bit from here on: a 32-bit offset would be re-zero-extended after
	 * the check, and the verifier would lose the bound on the copy. */
	__u64 off = off32;
	const __u8 *p;

#ifdef __bpf__
	/* Opaque to clang: it must check and use this very register, instead
	 * of checking a rewritten form (`off32 > MAX - 1`) and redoing `off`
	 * afterwards, which leaves the verifier without the bound. */
	asm volatile("" : "+r"(off));
#endif
	if (off > PL_MAX_OFF)
		return NULL;
	p = pk->data + off;
#ifdef __bpf__
	/* Keep the pointer a pointer: otherwise clang may fold the check into
	 * `off + len > end - data`, a comparison of numbers that tells the
	 * verifier nothing about p. */
	asm volatile("" : "+r"(p));
#endif
	if (p + len > pk->end)
		return NULL;
	return p;
}

/* Clamp an offset carried from one loop turn to the next. Every offset past
 * PL_MAX_OFF is as unreadable as PL_MAX_OFF + 1, so nothing changes for the
 * parser; for the verifier, the offset's range then always ends at the same
 * bound, the ranges of later turns nest inside earlier ones, and it can
 * prune instead of following every path to the end. */
#ifdef __bpf__
#define PL_CLAMP_TO(v, max)                                                     \
	do {                                                                    \
		if ((v) > (max))                                                \
			(v) = (max);                                            \
		asm volatile("" : "+r"(v));                                     \
	} while (0)
#else
#define PL_CLAMP_TO(v, max)                                                     \
	do {                                                                    \
		if ((v) > (max))                                                \
			(v) = (max);                                            \
	} while (0)
#endif
#define PL_CLAMP(v) PL_CLAMP_TO(v, PL_MAX_OFF + 1)

PL_INLINE __u32 pl_visible(const struct pl_pkt *pk)
{
	return (__u32)(pk->end - pk->data);
}

PL_INLINE __u16 pl_be16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

PL_INLINE __u32 pl_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

PL_INLINE __u32 pl_be24(const __u8 *p)
{
	return (__u32)p[0] << 16 | (__u32)p[1] << 8 | p[2];
}

/* A word loaded from memory as bytes b0..b7: PL_WORD_BYTE(w, i) is b_i and
 * PL_WORD_SKIP(w, n) drops b0..b(n-1). Byte index, not a memory offset, so
 * the verifier needs no range for it. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PL_WORD_BYTE(w, i) ((__u8)((w) >> (8 * (i))))
#define PL_WORD_SKIP(w, n) ((w) >> (8 * (n)))
#else
#define PL_WORD_BYTE(w, i) ((__u8)((w) >> (56 - 8 * (i))))
#define PL_WORD_SKIP(w, n) ((w) << (8 * (n)))
#endif

/* Fixed-size copies with constant lengths: clang turns these into loads and
 * stores on both targets (no call to memcpy in BPF). */
#define pl_copy(dst, src, n) __builtin_memcpy((dst), (src), (n))

/* Copy len (1..255) packet bytes at src to dst, in 8-byte words: whole
 * words first, then the last len % 8 bytes from the word that ends with
 * them (at least 8 bytes of headers always precede a name the parser
 * copies), stored as a whole word as well. dst needs 8 bytes of room past
 * len rounded down to 8; what lands past len is not part of the value. No
 * branch depends on the copied bytes, which keeps the verifier's work small.
 * Returns 0, or 1 when the bytes are not all visible. */
PL_INLINE int pl_copy_words(const struct pl_pkt *pk, char *dst, __u32 src,
			    __u32 len)
{
	__u32 full, rem;
	const __u8 *p;
	__u64 w;
	int j;

	len &= 0xff;
	full = len & ~7u;
	rem = len & 7u;
	for (j = 0; j < 32; j++) {
		if ((__u32)j * 8 >= full)
			break;
		p = pl_at(pk, src + j * 8, 8);
		if (!p)
			return 1;
		pl_copy(dst + j * 8, p, 8);
	}
	if (!rem)
		return 0;
	p = pl_at(pk, src + len - 8, 8);
	if (!p)
		return 1;
	pl_copy(&w, p, 8);
	w = PL_WORD_SKIP(w, 8 - rem);
	pl_copy(dst + full, &w, 8);
	return 0;
}

/* Record the first reason only: the earliest problem explains the rest. */
PL_INLINE int pl_fail(struct pl_meta *m, enum pl_malformed why)
{
	if (m->malformed == PL_MAL_NONE)
		m->malformed = (__u8)why;
	return -1;
}

/* A length field says the data goes to `need` bytes: malformed when the packet
 * itself is shorter, merely unseen when only the capture is. Returns 0 if all
 * of it is visible, 1 if part is cut by the capture, -1 if malformed. */
PL_INLINE int pl_extent(const struct pl_pkt *pk, struct pl_meta *m, __u32 need,
			enum pl_malformed why)
{
	if (need <= pl_visible(pk))
		return 0;
	if (need <= pk->pkt_len) {
		m->flags |= PL_F_SNAPPED;
		return 1;
	}
	return pl_fail(m, why);
}

/* The loops that walk variable-length data (IPv4 options, DNS names, TLS
 * extensions, HTTP headers) are subprograms. In BPF each is a global
 * function: the verifier checks a global function once, on its own, instead
 * of once for every way of reaching it (VLAN or not, IPv4 or IPv6, UDP or
 * TCP...), which keeps the program far inside the verifier's budget. A
 * global function cannot take packet pointers, so it gets the context and
 * finds the packet again. Natively these are plain inline calls. */
#ifdef __bpf__
#define PL_SUBPROG(name, call)                                                  \
	__attribute__((noinline)) int name(PL_BPF_CTX *ctx, struct pl_meta *m,  \
					   __u32 a, __u32 b)                      \
	{                                                                       \
		struct pl_pkt sub;                                              \
		struct pl_pkt *pk = &sub;                                       \
									        \
		if (!m)                                                         \
			return 0;                                               \
		sub.data = (const __u8 *)(long)ctx->data;                       \
		sub.end = (const __u8 *)(long)ctx->data_end;                    \
		sub.pkt_len = m->wire_len;                                      \
		sub.ctx = ctx;                                                  \
		/* "used", so callers always pass scalars (the verifier checks) */ \
		asm volatile("" : : "r"(a), "r"(b));                            \
		return call;                                                    \
	}
#define PL_CALL(fn, pk, m, a, b) fn((pk)->ctx, (m), (a), (b))
#else
#define PL_SUBPROG(name, call)                                                  \
	PL_INLINE int name(const struct pl_pkt *pk, struct pl_meta *m, __u32 a,  \
			   __u32 b)                                               \
	{                                                                       \
		(void)a;                                                        \
		(void)b;                                                        \
		return call;                                                    \
	}
#define PL_CALL(fn, pk, m, a, b) fn((pk), (m), (a), (b))
#endif

#endif /* PL_CURSOR_H */
