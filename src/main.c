/* SPDX-License-Identifier: BSD-3-Clause */
/* main.c - pktlens: one binary, subcommands. */
#include <stdio.h>
#include <string.h>

int cmd_check(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_bans(int argc, char **argv);
int cmd_limits(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "attach to interfaces and write records of what arrives (the daemon)" },
	{ "demo", cmd_demo, "the daemon on a private veth pair, fed with the bundled captures" },
	{ "analyze", cmd_analyze, "the same records from a pcap or pcapng file" },
	{ "check", cmd_check, "parse bundled captures natively and in the XDP program; compare with tshark" },
	{ "rules", cmd_rules, "allow, deny and rate-limit sources in the running program (check, load, add, del, list)" },
	{ "bans", cmd_bans, "drop one source address for a while (add, del, list)" },
	{ "limits", cmd_limits, "cap the packets/s toward one destination; pin ARP bindings (list, add, del, pin, unpin)" },
};

static void usage(FILE *o)
{
	fprintf(o, "usage: pktlens COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(o, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(o, "\n`pktlens COMMAND --help` for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pktlens: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
