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
LDLIBS   := -lbpf -lelf -lz -lpcap -ljson-c -lpsl -lm
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# Every compile writes what it included (-MMD, headers only: a missing one is
# a phony target, -MP) to a .d file beside its output; they are read at the
# end, so an edited header rebuilds exactly what includes it.
DEPFLAGS := -MMD -MP

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -D__bpf__ $(WARN) \
	-Wno-unused-function $(INCLUDES) -Ibpf

BPF_PROGS := pktlens pktlens_tc bench_pass
BPF_OBJS  := $(patsubst %,$(BUILD)/%.bpf.o,$(BPF_PROGS))
SKELS     := $(patsubst %,$(BUILD)/%.skel.h,$(BPF_PROGS))
BENCH_SKELS := $(BUILD)/bench_parse.skel.h $(BUILD)/bench_flows.skel.h $(BUILD)/bench_count.skel.h
# Kept: the skeletons embed them, and their .d files name them as targets.
.SECONDARY: $(BPF_OBJS) $(BENCH_SKELS:.skel.h=.bpf.o)

LIB_SRCS  := src/safe_file.c src/pcap_frames.c src/replay.c src/replay_clock.c src/meta_fmt.c src/names.c \
	src/records.c src/text_escape.c src/sink.c src/reasm.c src/ipreasm.c src/collector.c \
	src/topk.c src/counters.c \
	src/summary.c src/options.c src/textfile.c src/bans.c src/egress.c src/mitigations.c src/neigh.c \
	src/bpffs.c src/pin_lock.c
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

# Objects: one per source and flavour, shared by every binary linking it.
# obj: plain (the daemon, benchmarks); san/obj: ASan+UBSan (tests).
obj  = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
sobj = $(patsubst %.c,$(BUILD)/san/obj/%.o,$(1))

.PHONY: all deps test test-kernels demo fuzz bench bench-rules bench-offline bench-live bench-mem bench-mem-hostile clean
all: $(BUILD)/pktlens

deps:
	$(Q)scripts/install-deps.sh

$(BUILD):
	$(Q)mkdir -p $@ $@/san $@/fuzz

# vmlinux.h from the running kernel's BTF (CO-RE: the object runs on others).
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

# -MT: the .d names the object bpftool writes, not clang's raw one.
$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ -c $< -o $@.raw.o
	$(Q)$(BPFTOOL) gen object $@ $@.raw.o && rm -f $@.raw.o

$(BUILD)/bench_%.bpf.o: bench/bench_%.bpf.c $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ -c $< -o $@.raw.o
	$(Q)$(BPFTOOL) gen object $@ $@.raw.o && rm -f $@.raw.o

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: %.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/san/obj/%.o: %.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) $(DEPFLAGS) -c $< -o $@

# Generated headers exist before the first compile of a source that
# includes them (afterwards its .d file names them). Found by their
# #include lines: directly, or through src/policy_skel.h.
SKEL_USERS  := $(shell grep -lE '^.include "[a-z_]+(\.skel|_skel)\.h"' src/*.c tests/*/*.c)
BENCH_USERS := $(wildcard bench/*.c)
$(call obj,$(SKEL_USERS)) $(call sobj,$(SKEL_USERS)): | $(SKELS)
$(call obj,$(BENCH_USERS)): | $(SKELS) $(BENCH_SKELS)
$(BUILD)/obj/bench/live.o: CFLAGS += -Ibench

$(BUILD)/pktlens: $(call obj,$(APP_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# --- tests ---------------------------------------------------------------
# Native parser tests and the differential run under ASan+UBSan.
$(BUILD)/san/test_parser: $(call sobj,tests/unit/test_parser.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka

# Collector-side modules (options, reassembly, records, sink, the
# collector's event intake, the bpffs check), natively.
COLLECTOR_UNIT_SRCS := src/safe_file.c src/options.c src/textfile.c src/reasm.c src/records.c \
	src/text_escape.c src/sink.c src/detect_cfg.c \
	src/collector.c src/topk.c src/ipreasm.c src/names.c src/bpffs.c

$(BUILD)/san/test_collector: $(call sobj,tests/unit/test_collector.c $(COLLECTOR_UNIT_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka -ljson-c -lbpf -lm

# What pktlens writes: folder and file checks, whole lines through a short
# write, reopening (a real file system, no kernel BPF).
$(BUILD)/san/test_files: $(call sobj,tests/unit/test_files.c src/safe_file.c src/sink.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka -ljson-c

# The collector's bounded tables driven past their bounds (docs/bounds.md).
$(BUILD)/san/test_bounds: $(call sobj,tests/unit/test_bounds.c $(COLLECTOR_UNIT_SRCS) src/summary.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka -ljson-c -lbpf -lm

# The escaping of text from the network, and records written with it.
$(BUILD)/san/test_text_escape: $(call sobj,tests/unit/test_text_escape.c src/text_escape.c \
		src/records.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka -ljson-c

# The capture reader on generated files.
$(BUILD)/san/test_capture: $(call sobj,tests/unit/test_capture.c src/pcap_frames.c src/replay_clock.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka -lpcap

# IP reassembly on hand-built fragments.
$(BUILD)/san/test_ipreasm: $(call sobj,tests/unit/test_ipreasm.c src/ipreasm.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka

# The detections on made-up events (no kernel needed).
$(BUILD)/san/test_detect: $(call sobj,tests/unit/test_detect.c $(DETECT_SRCS) src/records.c src/text_escape.c \
		src/sink.c src/safe_file.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka -ljson-c -lbpf -lpsl -lm

$(BUILD)/san/test_bpf: $(call sobj,tests/bpf/test_bpf.c $(LIB_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka $(LDLIBS)

# The TC egress program on the XDP object's maps.
$(BUILD)/san/test_egress: $(call sobj,tests/bpf/test_egress.c $(LIB_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka $(LDLIBS)

# IP fragments: the XDP and TC programs' events, the collector's reassembly.
$(BUILD)/san/test_fragments: $(call sobj,tests/bpf/test_fragments.c $(LIB_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka $(LDLIBS)

# Rules, bans and rate limits in the real program; the loader's swap.
$(BUILD)/san/test_policy: $(call sobj,tests/bpf/test_policy.c $(LIB_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ -lcmocka $(LDLIBS) -lpthread

# The differential check itself, sanitized.
$(BUILD)/san/pktlens: $(call sobj,$(APP_SRCS))
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ -o $@ $(LDLIBS)

# --- fuzzing ---------------------------------------------------------------
# libFuzzer (clang) over every input a file or the network hands pktlens:
# frames (the parser), capture files, config files and settings, rule
# files, IP fragments as the reassembly takes them, and the kernel's events
# and flow table as the collector and the
# detections take them. tests/fuzz/README.md says what each checks.
FUZZ_CFLAGS := -g -O1 -std=gnu11 $(WARN) $(INCLUDES) -Itests/fuzz -D_GNU_SOURCE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZERS := parser capture config rules collector ipreasm
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZERS))
# what they read besides tests/fuzz/corpus-NAME: dictionaries, generated seeds
FUZZ_DATA := $(BUILD)/fuzz/config.dict $(BUILD)/fuzz/rules.dict \
	$(BUILD)/fuzz/seeds-collector/.done \
	$(patsubst %,$(BUILD)/fuzz/seeds-%/.hostile,capture config rules)
FUZZ_COLLECTOR_SRCS := src/safe_file.c src/collector.c src/topk.c src/ipreasm.c src/records.c src/text_escape.c src/sink.c src/reasm.c src/names.c \
	src/summary.c $(DETECT_SRCS)

# Objects of the fuzz flavour, each with its .d (see DEPFLAGS).
fobj = $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(1))
$(BUILD)/fuzz/obj/%.o: %.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_EXTRA) $(DEPFLAGS) -c $< -o $@
$(call fobj,$(SKEL_USERS)): | $(SKELS)
# Stack-depth coverage: libFuzzer keeps inputs that go deeper (see the file).
$(call fobj,tests/fuzz/fuzz_capture.c src/pcap_frames.c): FUZZ_EXTRA := -fsanitize-coverage=stack-depth

$(BUILD)/fuzz/fuzz_parser: $(call fobj,tests/fuzz/fuzz_parser.c)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ -o $@

$(BUILD)/fuzz/fuzz_capture: $(call fobj,tests/fuzz/fuzz_capture.c src/pcap_frames.c)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize-coverage=stack-depth $^ -o $@ -lpcap

$(BUILD)/fuzz/fuzz_config: $(call fobj,tests/fuzz/fuzz_config.c src/options.c src/textfile.c src/detect_cfg.c)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ -o $@ -lm

$(BUILD)/fuzz/fuzz_rules: $(call fobj,tests/fuzz/fuzz_rules.c src/rules.c src/textfile.c)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ -o $@ -lbpf

$(BUILD)/fuzz/fuzz_ipreasm: $(call fobj,tests/fuzz/fuzz_ipreasm.c src/ipreasm.c)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ -o $@

$(BUILD)/fuzz/fuzz_collector: $(call fobj,tests/fuzz/fuzz_collector.c $(FUZZ_COLLECTOR_SRCS))
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $^ -o $@ -lbpf -ljson-c -lpsl -lm

# Dictionaries: a hand-written part and the keywords the sources hold.
$(BUILD)/fuzz/config.dict: tests/fuzz/config.dict tests/fuzz/make_dict.sh src/options.c \
		src/detect_cfg.c | $(BUILD)
	$(Q)mkdir -p $(@D)
	$(Q)tests/fuzz/make_dict.sh tests/fuzz/config.dict src/options.c src/detect_cfg.c > $@

$(BUILD)/fuzz/rules.dict: tests/fuzz/rules.dict tests/fuzz/make_dict.sh src/rules.c | $(BUILD)
	$(Q)mkdir -p $(@D)
	$(Q)tests/fuzz/make_dict.sh tests/fuzz/rules.dict src/rules.c > $@

# The collector's seeds are generated, so they follow the event layout.
$(BUILD)/obj/tests/fuzz/gen_events.o: CFLAGS += -Itests/fuzz
$(BUILD)/fuzz/gen_events: $(call obj,tests/fuzz/gen_events.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@

$(BUILD)/fuzz/seeds-collector/.done: $(BUILD)/fuzz/gen_events | $(BUILD)
	$(call msg,GEN,$(@D))
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $(@D)/*.bin && $(BUILD)/fuzz/gen_events $(@D) && touch $@

# The hostile corpus (tests/hostile/make_corpus.py) seeds the capture,
# config and rule fuzzers: its files that fit their largest input
# (tests/fuzz/run.sh's max_len).
$(BUILD)/fuzz/hostile/.done: tests/hostile/make_corpus.py | $(BUILD)
	$(call msg,GEN,$(@D))
	$(Q)rm -rf $(@D) && /usr/bin/python3 $< $(@D) && touch $@
$(BUILD)/fuzz/seeds-capture/.hostile: $(BUILD)/fuzz/hostile/.done
	$(Q)mkdir -p $(@D) && find $(<D) -maxdepth 1 \( -name '*.pcap' -o -name '*.pcapng' \) \
		-size -64k -exec cp {} $(@D)/ \; && touch $@
$(BUILD)/fuzz/seeds-config/.hostile: $(BUILD)/fuzz/hostile/.done
	$(Q)mkdir -p $(@D) && find $(<D) -maxdepth 1 -name '*.conf' -size -8k -exec cp {} $(@D)/ \; \
		&& touch $@
$(BUILD)/fuzz/seeds-rules/.hostile: $(BUILD)/fuzz/hostile/.done
	$(Q)mkdir -p $(@D) && find $(<D) -maxdepth 1 -name '*.rules' -size -16k -exec cp {} $(@D)/ \; \
		&& touch $@

PCAPS     ?= ../shared/pcaps
# Seconds of fuzzing: `make test` gives the parser this (default 30) and
# each other target two thirds of it; `make fuzz` each target this (600).
FUZZ_SECS ?=

test: deps $(BUILD)/pktlens $(BUILD)/san/test_parser $(BUILD)/san/test_collector \
		$(BUILD)/san/test_bounds \
		$(BUILD)/san/test_capture $(BUILD)/san/test_ipreasm $(BUILD)/san/test_detect \
		$(BUILD)/san/test_files $(BUILD)/san/test_text_escape \
		$(BUILD)/san/test_bpf $(BUILD)/san/test_egress $(BUILD)/san/test_fragments \
		$(BUILD)/san/test_policy \
		$(BUILD)/san/pktlens $(FUZZ_BINS) $(FUZZ_DATA) $(BUILD)/gen_mixed
	$(Q)tests/run-all.sh "$(BUILD)" "$(PCAPS)" "$(or $(FUZZ_SECS),30)"

# Every target for FUZZ_SECS, one after the other, each one `ok`/`FAIL`
# line; inputs found are kept in $(BUILD)/fuzz/corpus-NAME for next time.
fuzz: deps $(FUZZ_BINS) $(FUZZ_DATA)
	$(Q)failed=0; for t in $(FUZZERS); do \
		tests/fuzz/run.sh "$(BUILD)" $$t "$(or $(FUZZ_SECS),600)" --keep || failed=1; \
	done; exit $$failed

# Not part of `make test` (it takes long): the objects on Debian 12's own
# kernel (6.1) in qemu, its records against this kernel's (tests/kernels/).
$(BUILD)/prog_info: $(call obj,tests/kernels/prog_info.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lbpf

test-kernels: $(BUILD)/pktlens $(BUILD)/prog_info
	$(Q)scripts/install-deps.sh kernels
	$(Q)tests/kernels/run.sh "$(BUILD)" "$(PCAPS)"

demo: deps $(BUILD)/pktlens
	$(Q)$(BUILD)/pktlens demo --pcaps "$(PCAPS)"

# --- bench ---------------------------------------------------------------
# ns/packet of the XDP program beside a bare program and xdp-filter; needs
# root. `make bench BENCH_ARGS="--rounds 11"` passes options through.
BENCH_ARGS  ?=

$(BUILD)/bench_xdp: $(call obj,bench/bench_xdp.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lbpf -lelf -lz -lpthread

bench: deps $(BUILD)/bench_xdp $(BUILD)/bench_rules
	$(Q)$(BUILD)/bench_xdp $(BENCH_ARGS)
	$(Q)$(BUILD)/bench_rules
	$(Q)$(MAKE) --no-print-directory -j1 bench-offline bench-live bench-mem bench-mem-hostile bench-detect

# ns/packet with 0 to 1M rules, and the load time of 1M prefixes.
$(BUILD)/bench_rules: $(call obj,bench/bench_rules.c $(POLICY_SRCS) src/textfile.c src/bans.c src/records.c \
		src/text_escape.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lbpf -lelf -lz -ljson-c

bench-rules: deps $(BUILD)/bench_rules
	$(Q)$(BUILD)/bench_rules

# Collector benchmarks (bench/*.sh; root): offline packets/s beside tshark
# and ndpiReader, the highest lossless live rate on a veth beside a bare XDP
# program and tcpdump, and memory with 10k-1M active flows.
$(BUILD)/gen_mixed: $(call obj,bench/gen_mixed.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lm

$(BUILD)/live: $(call obj,bench/live.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lbpf -lelf -lz

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
# The collector's tables under floods (docs/bounds.md); no root needed.
$(BUILD)/mem_hostile: $(call obj,bench/mem_hostile.c src/collector.c src/topk.c src/ipreasm.c \
		src/records.c src/text_escape.c src/safe_file.c src/sink.c src/reasm.c src/names.c)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -ljson-c -lbpf -lm

bench-mem-hostile: deps $(BUILD)/mem_hostile
	$(Q)bench/mem_hostile.sh "$(BUILD)"

bench-detect: deps $(BUILD)/pktlens
	$(Q)bench/bench_detect.sh "$(BUILD)/pktlens"


clean:
	$(Q)rm -rf $(BUILD)

# What each compile included (see DEPFLAGS); none before the first build.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
