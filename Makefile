# pktlens - build, test, demo, bench. Out-of-tree: everything goes to build/.
# `make V=1` shows the commands.

BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

INCLUDES := -Iinclude -Iinclude/parse -Isrc -I$(BUILD)
WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) $(INCLUDES) -D_GNU_SOURCE
LDLIBS   := -lbpf -lelf -lz -lpcap -ljson-c -linih -lpsl -lm
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -D__bpf__ $(WARN) \
	-Wno-unused-function $(INCLUDES) -Ibpf

BPF_PROGS := pktlens pktlens_tc bench_pass
BPF_OBJS  := $(patsubst %,$(BUILD)/%.bpf.o,$(BPF_PROGS))
SKELS     := $(patsubst %,$(BUILD)/%.skel.h,$(BPF_PROGS))
HEADERS   := $(wildcard include/*.h include/parse/*.h bpf/*.h src/*.h tests/*.h)

LIB_SRCS  := src/pcap_frames.c src/replay.c src/meta_fmt.c src/names.c \
	src/records.c src/sink.c src/reasm.c src/ipreasm.c src/collector.c src/counters.c \
	src/summary.c src/options.c src/bans.c src/egress.c src/mitigations.c src/neigh.c
# Detections (docs/detections.md): fed by the collector's hooks.
DETECT_SRCS := src/detect.c src/detect_cfg.c src/detect_flood.c src/detect_trust.c \
	src/detect_scan.c src/detect_dns.c src/detect_arp.c
LIB_SRCS  += $(DETECT_SRCS)
APP_SRCS  := src/main.c src/cmd_check.c src/check_known.c src/cmd_analyze.c src/cmd_run.c src/cmd_demo.c $(LIB_SRCS)
# Rules, bans, rate limits (docs/rules.md): compiler and loader, and how
# `pktlens rules`/`bans` find a running daemon's maps.
POLICY_SRCS := src/rules.c src/policy_maps.c src/policy_cli.c
LIB_SRCS  += $(POLICY_SRCS)
APP_SRCS  += src/cmd_rules.c src/cmd_limits.c $(POLICY_SRCS)

.PHONY: all deps test demo fuzz fuzz-ipreasm bench bench-rules bench-offline bench-live bench-mem clean
all: $(BUILD)/pktlens

deps:
	$(Q)scripts/install-deps.sh

$(BUILD):
	$(Q)mkdir -p $@ $@/san $@/fuzz

# vmlinux.h from the running kernel's BTF (CO-RE: the object runs on others).
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(HEADERS) $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.raw.o
	$(Q)$(BPFTOOL) gen object $@ $@.raw.o && rm -f $@.raw.o

$(BUILD)/bench_%.bpf.o: bench/bench_%.bpf.c $(HEADERS) $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.raw.o
	$(Q)$(BPFTOOL) gen object $@ $@.raw.o && rm -f $@.raw.o

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/pktlens: $(APP_SRCS) $(HEADERS) $(SKELS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(APP_SRCS) -o $@ $(LDLIBS)

# --- tests ---------------------------------------------------------------
# Native parser tests and the differential run under ASan+UBSan.
$(BUILD)/san/test_parser: tests/unit/test_parser.c $(HEADERS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $< -o $@ -lcmocka

# Collector-side modules (options, reassembly, records, sink), natively.
COLLECTOR_UNIT_SRCS := src/options.c src/reasm.c src/records.c src/sink.c src/detect_cfg.c

$(BUILD)/san/test_collector: tests/unit/test_collector.c $(COLLECTOR_UNIT_SRCS) \
		$(HEADERS) tests/common/packets.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) tests/unit/test_collector.c $(COLLECTOR_UNIT_SRCS) -o $@ \
		-lcmocka -ljson-c -linih -lbpf -lm

# IP reassembly on hand-built fragments.
$(BUILD)/san/test_ipreasm: tests/unit/test_ipreasm.c src/ipreasm.c $(HEADERS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) tests/unit/test_ipreasm.c src/ipreasm.c -o $@ -lcmocka
test: $(BUILD)/san/test_ipreasm

# The detections on made-up events (no kernel needed).
$(BUILD)/san/test_detect: tests/unit/test_detect.c $(DETECT_SRCS) src/records.c src/sink.c \
		$(HEADERS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) tests/unit/test_detect.c $(DETECT_SRCS) src/records.c \
		src/sink.c -o $@ -lcmocka -ljson-c -lbpf -lpsl -lm
test: $(BUILD)/san/test_detect

$(BUILD)/san/test_bpf: tests/bpf/test_bpf.c $(LIB_SRCS) $(HEADERS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) tests/bpf/test_bpf.c $(LIB_SRCS) -o $@ -lcmocka $(LDLIBS)

# The TC egress program on the XDP object's maps.
$(BUILD)/san/test_egress: tests/bpf/test_egress.c $(LIB_SRCS) $(HEADERS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) tests/bpf/test_egress.c $(LIB_SRCS) -o $@ -lcmocka $(LDLIBS)

# IP fragments: the XDP and TC programs' events, the collector's reassembly.
$(BUILD)/san/test_fragments: tests/bpf/test_fragments.c $(LIB_SRCS) $(HEADERS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) tests/bpf/test_fragments.c $(LIB_SRCS) -o $@ -lcmocka $(LDLIBS)
test: $(BUILD)/san/test_fragments

# Rules, bans and rate limits in the real program; the loader's swap.
$(BUILD)/san/test_policy: tests/bpf/test_policy.c $(LIB_SRCS) $(HEADERS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) tests/bpf/test_policy.c $(LIB_SRCS) -o $@ -lcmocka $(LDLIBS) \
		-lpthread

# The differential check itself, sanitized.
$(BUILD)/san/pktlens: $(APP_SRCS) $(HEADERS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(APP_SRCS) -o $@ $(LDLIBS)

$(BUILD)/fuzz/fuzz_parser: tests/fuzz/fuzz_parser.c $(HEADERS) | $(BUILD)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 $(WARN) $(INCLUDES) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $< -o $@

# The IP reassembly on fuzzed fragments (`make fuzz-ipreasm`).
$(BUILD)/fuzz/fuzz_ipreasm: tests/fuzz/fuzz_ipreasm.c src/ipreasm.c $(HEADERS) | $(BUILD)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 $(WARN) $(INCLUDES) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all tests/fuzz/fuzz_ipreasm.c src/ipreasm.c -o $@

PCAPS     ?= ../shared/pcaps
FUZZ_SECS ?= 30

test: deps $(BUILD)/pktlens $(BUILD)/san/test_parser $(BUILD)/san/test_collector \
		$(BUILD)/san/test_bpf $(BUILD)/san/test_egress $(BUILD)/san/test_policy \
		$(BUILD)/san/pktlens $(BUILD)/fuzz/fuzz_parser
	$(Q)tests/run-all.sh "$(BUILD)" "$(PCAPS)" "$(FUZZ_SECS)"

fuzz: $(BUILD)/fuzz/fuzz_parser
	$(Q)mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_parser -max_total_time=$${FUZZ_SECS:-600} -max_len=4096 \
		-print_final_stats=1 $(BUILD)/fuzz/corpus tests/fuzz/corpus

fuzz-ipreasm: $(BUILD)/fuzz/fuzz_ipreasm
	$(Q)mkdir -p $(BUILD)/fuzz/corpus-ipreasm
	$(BUILD)/fuzz/fuzz_ipreasm -max_total_time=$${FUZZ_SECS:-600} -max_len=4096 \
		-print_final_stats=1 $(BUILD)/fuzz/corpus-ipreasm

demo: deps $(BUILD)/pktlens
	$(Q)$(BUILD)/pktlens demo --pcaps "$(PCAPS)"

# --- bench ---------------------------------------------------------------
# ns/packet of the XDP program beside a bare program and xdp-filter; needs
# root. `make bench BENCH_ARGS="--rounds 11"` passes options through.
BENCH_SKELS := $(BUILD)/bench_parse.skel.h $(BUILD)/bench_flows.skel.h
BENCH_ARGS  ?=

$(BUILD)/bench_xdp: bench/bench_xdp.c bench/packets_bench.h tests/common/packets.h \
		$(HEADERS) $(SKELS) $(BENCH_SKELS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lbpf -lelf -lz -lpthread

bench: deps $(BUILD)/bench_xdp $(BUILD)/bench_rules
	$(Q)$(BUILD)/bench_xdp $(BENCH_ARGS)
	$(Q)$(BUILD)/bench_rules
	$(Q)$(MAKE) --no-print-directory -j1 bench-offline bench-live bench-mem bench-detect

# ns/packet with 0 to 1M rules, and the load time of 1M prefixes.
$(BUILD)/bench_rules: bench/bench_rules.c $(POLICY_SRCS) src/bans.c src/records.c \
		tests/common/packets.h $(HEADERS) $(SKELS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) bench/bench_rules.c $(POLICY_SRCS) src/bans.c src/records.c -o $@ \
		-lbpf -lelf -lz -ljson-c

bench-rules: deps $(BUILD)/bench_rules
	$(Q)$(BUILD)/bench_rules

# Collector benchmarks (bench/*.sh; root): offline packets/s beside tshark
# and ndpiReader, the highest lossless live rate on a veth beside a bare XDP
# program and tcpdump, and memory with 10k-1M active flows.
$(BUILD)/gen_mixed: bench/gen_mixed.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(BUILD)/bench_count.bpf.o: bench/bench_live.h

$(BUILD)/live: bench/live.c bench/bench_live.h $(HEADERS) $(BUILD)/bench_count.skel.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Ibench $< -o $@ -lbpf -lelf -lz

bench-offline: deps $(BUILD)/pktlens $(BUILD)/gen_mixed
	$(Q)bench/offline.sh "$(BUILD)" "$(PCAPS)"

bench-live: deps $(BUILD)/pktlens $(BUILD)/live
	$(Q)bench/live.sh "$(BUILD)"

bench-mem: deps $(BUILD)/pktlens $(BUILD)/live
	$(Q)bench/mem.sh "$(BUILD)"

# Detections (root): SYN flood and port scan against a victim on a veth, attack
# start to the first notice and to 99% dropped; the flood the victim's stack
# absorbs with pktlens dropping and without.
.PHONY: bench-detect
bench-detect: deps $(BUILD)/pktlens
	$(Q)bench/bench_detect.sh "$(BUILD)/pktlens"


clean:
	$(Q)rm -rf $(BUILD)
