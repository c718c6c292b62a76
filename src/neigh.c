/* SPDX-License-Identifier: BSD-3-Clause */
/* neigh.c - puts the host's neighbour entry for an IPv4 address back to
 * its pinned MAC, over rtnetlink. A pin stops the lies that come after it;
 * the one that raised the notice has already reached the stack. The entry
 * is replaced only if it exists and holds another MAC, and never if an
 * administrator set it (permanent, noarp). It is left STALE: the kernel
 * uses it at once and confirms it with a unicast probe to that MAC. */
#include "neigh.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

struct req {
	struct nlmsghdr n;
	struct ndmsg nd;
	char attrs[64];
};

static void put_attr(struct req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void req_init(struct req *r, uint16_t type, uint16_t flags, uint32_t ifindex,
		     uint16_t state, const uint8_t ip[4])
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	r->n.nlmsg_seq = 1;
	r->nd.ndm_family = AF_INET;
	r->nd.ndm_ifindex = (int)ifindex;
	r->nd.ndm_state = state;
	put_attr(r, NDA_DST, ip, 4);
}

/* Sends r and reads one answer into buf; its length, or -1 with errno. */
static ssize_t talk(int fd, struct req *r, char *buf, size_t len)
{
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&k, sizeof(k)) < 0)
		return -1;
	n = recv(fd, buf, len, 0);
	if (n < (ssize_t)sizeof(struct nlmsghdr))
		return -1;
	return n;
}

/* 0 for an ack, else the negative errno of an error message, or 1. */
static int nl_error(const char *buf)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

	if (h->nlmsg_type != NLMSG_ERROR)
		return 1;
	return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
}

int pl_neigh_restore(uint32_t ifindex, const uint8_t ip[4], const uint8_t mac[6])
{
	char buf[1024];
	struct req r;
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	const struct ndmsg *nd;
	const struct rtattr *a;
	const uint8_t *ll = NULL;
	struct timeval tv = { .tv_sec = 1 };
	int fd, e, rc = -1, alen;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));   /* never hang the daemon */
	req_init(&r, RTM_GETNEIGH, 0, ifindex, 0, ip);
	n = talk(fd, &r, buf, sizeof(buf));
	if (n < 0)
		goto out;
	e = nl_error(buf);
	if (e <= 0) {
		rc = e == -ENOENT ? 0 : -1;     /* no entry: nothing was learned */
		goto out;
	}
	if (h->nlmsg_type != RTM_NEWNEIGH || h->nlmsg_len > (size_t)n)
		goto out;
	nd = NLMSG_DATA(h);
	alen = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
	for (a = (const struct rtattr *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(a, alen); a = RTA_NEXT(a, alen))
		if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
			ll = RTA_DATA(a);
	if (!ll || !memcmp(ll, mac, 6) || (nd->ndm_state & (NUD_PERMANENT | NUD_NOARP))) {
		rc = 0;
		goto out;
	}
	req_init(&r, RTM_NEWNEIGH, NLM_F_REPLACE | NLM_F_ACK, ifindex, NUD_STALE, ip);
	put_attr(&r, NDA_LLADDR, mac, 6);
	n = talk(fd, &r, buf, sizeof(buf));
	if (n >= 0 && nl_error(buf) == 0)
		rc = 1;
out:
	close(fd);
	return rc;
}
