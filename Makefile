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
LDLIBS   := -lbpf -lelf -lz -lpcap -ljson-c -linih
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -D__bpf__ $(WARN) \
	-Wno-unused-function $(INCLUDES) -Ibpf

BPF_PROGS := pktlens bench_pass
BPF_OBJS  := $(patsubst %,$(BUILD)/%.bpf.o,$(BPF_PROGS))
SKELS     := $(patsubst %,$(BUILD)/%.skel.h,$(BPF_PROGS))
HEADERS   := $(wildcard include/*.h include/parse/*.h bpf/*.h src/*.h tests/*.h)

LIB_SRCS  := src/pcap_frames.c src/replay.c src/meta_fmt.c src/names.c \
	src/records.c src/sink.c src/reasm.c src/collector.c src/counters.c \
	src/summary.c src/options.c src/bans.c
APP_SRCS  := src/main.c src/cmd_check.c src/cmd_analyze.c src/cmd_run.c src/cmd_demo.c $(LIB_SRCS)

.PHONY: all deps test demo fuzz bench clean
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
COLLECTOR_UNIT_SRCS := src/options.c src/reasm.c src/records.c src/sink.c

$(BUILD)/san/test_collector: tests/unit/test_collector.c $(COLLECTOR_UNIT_SRCS) \
		$(HEADERS) tests/common/packets.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) tests/unit/test_collector.c $(COLLECTOR_UNIT_SRCS) -o $@ \
		-lcmocka -ljson-c -linih -lbpf

$(BUILD)/san/test_bpf: tests/bpf/test_bpf.c $(LIB_SRCS) $(HEADERS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN) tests/bpf/test_bpf.c $(LIB_SRCS) -o $@ -lcmocka $(LDLIBS)

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

PCAPS     ?= ../shared/pcaps
FUZZ_SECS ?= 30

test: deps $(BUILD)/pktlens $(BUILD)/san/test_parser $(BUILD)/san/test_collector \
		$(BUILD)/san/test_bpf \
		$(BUILD)/san/pktlens $(BUILD)/fuzz/fuzz_parser
	$(Q)tests/run-all.sh "$(BUILD)" "$(PCAPS)" "$(FUZZ_SECS)"

fuzz: $(BUILD)/fuzz/fuzz_parser
	$(Q)mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_parser -max_total_time=$${FUZZ_SECS:-600} -max_len=4096 \
		-print_final_stats=1 $(BUILD)/fuzz/corpus tests/fuzz/corpus

demo: deps $(BUILD)/pktlens
	$(Q)$(BUILD)/pktlens demo --pcaps "$(PCAPS)"

# --- bench ---------------------------------------------------------------
# ns/packet of the XDP program beside a bare program and xdp-filter; needs
# root. `make bench BENCH_ARGS="--rounds 11"` passes options through.
BENCH_SKELS := $(BUILD)/bench_parse.skel.h
BENCH_ARGS  ?=

$(BUILD)/bench_xdp: bench/bench_xdp.c bench/packets_bench.h tests/common/packets.h \
		$(HEADERS) $(SKELS) $(BENCH_SKELS) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lbpf -lelf -lz -lpthread

bench: deps $(BUILD)/bench_xdp
	$(Q)$(BUILD)/bench_xdp $(BENCH_ARGS)


clean:
	$(Q)rm -rf $(BUILD)
