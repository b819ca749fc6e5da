# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# bpftcp: one top-level build, everything out of tree in $(OUTPUT).
# Stages: vmlinux.h -> BPF objects -> skeletons -> user space -> link.
# Quiet by default with short tags; V=1 prints full commands.

OUTPUT      ?= build
PREFIX      ?= /usr/local
DESTDIR     ?=
CLANG       ?= $(shell command -v clang-19 2>/dev/null || echo clang)
BPFTOOL     ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
RST2MAN     ?= $(shell command -v rst2man 2>/dev/null || echo rst2man)
CC          ?= cc
PKG_CONFIG  ?= pkg-config
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
VMLINUX_H   ?= $(OUTPUT)/vmlinux.h
ARCH        := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/s390x/s390/')

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(abspath $(OUTPUT))/%,%,$(abspath $(2)))";
endif

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:
.DEFAULT_GOAL := all

# What a plain build needs (clang-19, bpftool, pkg-config, rst2man, libbpf,
# libelf, libinih, cmocka); check-deps names what is missing.  `make deps` (and the targets
# that call it) installs these and what the tests use: scripts/install-deps.sh.
DEPS_MISSING := $(shell for t in clang-19 bpftool $(PKG_CONFIG) $(RST2MAN); do command -v $$t >/dev/null || echo $$t; done; \
		  $(PKG_CONFIG) --exists 'libbpf >= 1.4' || echo 'libbpf-dev>=1.4'; \
		  $(PKG_CONFIG) --exists cmocka libelf || echo 'libcmocka-dev/libelf-dev'; \
		  $(PKG_CONFIG) --exists inih || echo libinih-dev)

LIBBPF_CFLAGS = $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS   = $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf)
CMOCKA_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
# libinih (Debian's libinih-dev) reads bpftcp.conf (lib/conf.c).
INIH_CFLAGS   = $(shell $(PKG_CONFIG) --cflags inih 2>/dev/null)
INIH_LIBS     = $(shell $(PKG_CONFIG) --libs inih 2>/dev/null || echo -linih)

CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Wno-unused-parameter -Wshadow -Wno-format-truncation -std=gnu11
CPPFLAGS += -I$(OUTPUT) -Iinclude $(LIBBPF_CFLAGS) $(INIH_CFLAGS) -D_GNU_SOURCE
LDLIBS   += $(LIBBPF_LIBS) $(INIH_LIBS) -lelf -lz -lm

# -I of VMLINUX_H's directory: it need not be in $(OUTPUT) (VMLINUX_H=).
BPF_CFLAGS = -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
	     -I$(OUTPUT) -I$(dir $(VMLINUX_H)) -Iinclude $(LIBBPF_CFLAGS) -mcpu=v3 $(BPF_EXTRA_CFLAGS)

# --- sources -----------------------------------------------------------------
CC_ALGOS   := $(patsubst cc/%.bpf.c,%,$(sort $(wildcard cc/*.bpf.c)))
# selftests/bpf/ and bench/bpf/ hold BPF programs used only by tests and
# benchmarks (skeletons selftests_bpf_<x>, bench_bpf_<x>).
BPF_SRCS   := $(wildcard cc/*.bpf.c hdropt/*.bpf.c skstorage/*.bpf.c \
			 selftests/bpf/*.bpf.c bench/bpf/*.bpf.c)
BPF_OBJS   := $(patsubst %.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst %.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

LOADER_SRCS := $(wildcard loader/*.c)
LOADER_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(LOADER_SRCS))
# The CLI library (everything but main) is shared with the selftests.
LOADER_LIB  := $(filter-out $(OUTPUT)/loader/main.o,$(LOADER_OBJS))

SELFTEST_SRCS := $(wildcard selftests/test_*.c)
SELFTESTS     := $(patsubst selftests/%.c,$(OUTPUT)/selftests/%,$(SELFTEST_SRCS))
SELFTEST_LIB  := $(OUTPUT)/selftests/harness.o

BPFTCP := $(OUTPUT)/bpftcp

# The man page, generated from reStructuredText (docs/bpftcp.8.rst) with
# docutils' rst2man, as bpftool's pages are; and the bash completion.  The
# grammar they show is checked against 'bpftcp help' by selftests/test_grammar.
MAN8       := $(OUTPUT)/bpftcp.8
MAN5       := $(OUTPUT)/bpftcp.conf.5
COMPLETION := completion/bpftcp

# The systemd unit (deploy/bpftcp.service, with the installed bpftcp's path)
# and the commented example of /etc/bpftcp/bpftcp.conf (deploy/bpftcp.conf).
UNIT        := $(OUTPUT)/bpftcp.service
UNITDIR     ?= $(PREFIX)/lib/systemd/system
DOCDIR      ?= $(PREFIX)/share/doc/bpftcp

# The Wireshark dissector of both header options (a Lua plugin), installed
# where Debian's Wireshark looks for Lua plugins when PREFIX is /usr
# (/usr/lib/<multiarch>/wireshark/plugins: 'tshark -G folders' shows it);
# under another PREFIX, point Wireshark at it or copy it to
# ~/.local/lib/wireshark/plugins.
MULTIARCH   ?= $(shell $(CC) -print-multiarch 2>/dev/null)
WIRESHARK_PLUGINDIR ?= $(PREFIX)/lib/$(if $(MULTIARCH),$(MULTIARCH)/)wireshark/plugins
WIRESHARK_PLUGIN := deploy/wireshark/bpftcp.lua

# libbpftcp.a: the application library (lib/*.c), installed with its headers.
# Static and shared builds from the same position-independent objects; the
# shared one exports only what lib/libbpftcp.map lists, under its SONAME.
LIB_SRCS    := $(wildcard lib/*.c)
# The library carries the BPF objects: build/lib/cc_table.c (generated)
# embeds every congestion control's skeleton.
LIB_OBJS    := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS)) $(OUTPUT)/lib/cc_table.o
LIB_VERSION := 0.2.0
LIB_SOMAJOR := 0
LIB_MAP     := lib/libbpftcp.map
LIBBPFTCP   := $(OUTPUT)/libbpftcp.a
LIBBPFTCP_SO := $(OUTPUT)/libbpftcp.so.$(LIB_VERSION)
LIBBPFTCP_PC := $(OUTPUT)/libbpftcp.pc
LIBDIR      ?= $(PREFIX)/lib
LIB_HEADERS := include/bpftcp/libbpftcp.h include/bpftcp/sock_state.h include/bpftcp/cc_stats.h

# Example programs (examples/*.c), linked with libbpftcp.a only.
EXAMPLES    := $(patsubst examples/%.c,$(OUTPUT)/examples/%,$(wildcard examples/*.c))

# libFuzzer targets (selftests/fuzz/*_fuzz.c) -> build/fuzz/<name>: clang
# with the fuzzer runtime (libclang-rt-19-dev) and ASan/UBSan.  'make fuzz'
# runs each for FUZZ_RUNS executions from its seed corpus
# (selftests/fuzz/corpus/<name>/); test_fuzz runs each for a short fixed
# number as part of 'make test'.
FUZZ_SRCS   := $(wildcard selftests/fuzz/*_fuzz.c)
FUZZERS     := $(patsubst selftests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_RUNS   ?= 10000000

# A second bpftcp for the upgrade test (netns-tests/test-apply.sh), built by
# a make of its own in $(OUTPUT)/variant with BPFTCP_BUILD_VARIANT defined
# for the BPF programs: the same behaviour, other program tags
# (include/bpftcp/bpf_counters.h).  Built for make test and make stress
# (netns-tests/test-swaps.sh alternates the two builds' apply).
VARIANT     := $(OUTPUT)/variant/bpftcp

# The link emulator (netns-tests/linkem/*.c), a plain user-space program.
LINKEM_SRCS := $(wildcard netns-tests/linkem/*.c)
LINKEM      := $(if $(LINKEM_SRCS),$(OUTPUT)/linkem)

# The scripted TCP peer (validate/*.c, docs/validation.md), linked with
# libbpftcp.a to read bpftcp's per-socket records.
TCPSCRIPT_SRCS := $(wildcard validate/*.c)
TCPSCRIPT   := $(if $(TCPSCRIPT_SRCS),$(OUTPUT)/tcpscript)

.PHONY: FORCE all deps run test validate build-validate bench compare fuzz stress build-stress install uninstall help clean check-deps selftests \
	build-run build-test build-bench build-compare compare-bbr build-compare-bbr \
	compare-ccneg build-compare-ccneg compare-bbr3 build-compare-bbr3
# A plain `make` builds bpftcp, libbpftcp, the examples and the selftests.
# The fuzzers and the link emulator are built by the targets that use them.
all: check-deps $(BPFTCP) $(MAN8) $(MAN5) $(UNIT) $(LIBBPFTCP) $(LIBBPFTCP_SO) $(LIBBPFTCP_PC) $(EXAMPLES) selftests

# A plain `make` never installs packages: it names what is missing.  Only
# `make deps` installs them, and `make run`/`make test`/`make bench`/
# `make compare`, which call it first and then build in a second make, so
# that tool paths and pkg-config flags are found after the install.
check-deps:
ifneq ($(DEPS_MISSING),)
	@echo "error: missing build dependencies ($(DEPS_MISSING)); install them with 'make deps' (as root)" >&2
	@exit 1
endif

deps:
	$(Q)bash scripts/install-deps.sh

# --- stage 1: vmlinux.h -----------------------------------------------------
$(VMLINUX_H): | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)test -r $(VMLINUX_BTF) || { echo "error: no kernel BTF at $(VMLINUX_BTF) (set VMLINUX_BTF= or VMLINUX_H=)" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# --- stage 2: BPF objects ----------------------------------------------------
define compile_bpf
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -MT $@ -MF $(@:.o=.d) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp
	$(Q)rm -f $@.tmp
endef
$(OUTPUT)/%.bpf.o: %.bpf.c $(VMLINUX_H) | check-deps
	$(compile_bpf)
# These two have a shorter stem than the C rules for selftests/ and bench/
# below, so make picks them for build/{selftests,bench}/bpf/*.bpf.o.
$(OUTPUT)/selftests/bpf/%.bpf.o: selftests/bpf/%.bpf.c $(VMLINUX_H) | check-deps
	$(compile_bpf)
$(OUTPUT)/bench/bpf/%.bpf.o: bench/bpf/%.bpf.c $(VMLINUX_H) | check-deps
	$(compile_bpf)

# --- stage 3: skeletons ------------------------------------------------------
# bpftool may be built against a newer libbpf than the libbpf-dev headers we
# compile against (Debian backports: bpftool 7.5 embeds libbpf 1.5, libbpf-dev
# is 1.4).  Newer skeletons fill in bpf_map_skeleton.link, which libbpf 1.4's
# header lacks; libbpf >= 1.4 honours map_skel_sz, so dropping that one line is
# safe (the struct_ops link is then returned by bpf_map__attach_struct_ops,
# which the loader calls itself).  The step is a no-op with matching versions.
SKEL_COMPAT = $(shell $(PKG_CONFIG) --exists 'libbpf >= 1.5' 2>/dev/null || echo yes)
$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst /,_,$(subst -,_,$*)) > $@.tmp
ifeq ($(SKEL_COMPAT),yes)
	$(Q)sed -i -e '/map->link = /d' $@.tmp
endif
	$(Q)mv $@.tmp $@

# --- the man page ------------------------------------------------------------
# --strict: a docutils warning (broken markup) fails the build.
RST2MAN_OPTS = --strict --strip-comments
$(OUTPUT)/%: docs/%.rst | $(OUTPUT) check-deps
	$(call msg,GEN-MAN,$@)
	$(Q)$(RST2MAN) $(RST2MAN_OPTS) $< > $@

# The unit names the bpftcp of PREFIX: written again when PREFIX changes.
$(UNIT): deploy/bpftcp.service Makefile FORCE | $(OUTPUT)
	$(Q)sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' $< > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; echo "  GEN      $(notdir $@)"; fi

# The table of algorithms libbpftcp ships, generated from cc/*.bpf.c.
$(OUTPUT)/lib/cc_table.c: $(patsubst %,$(OUTPUT)/cc/%.skel.h,$(CC_ALGOS)) scripts/gen-cc-table.sh | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)bash scripts/gen-cc-table.sh $(CC_ALGOS) > $@

# --- stage 4: user space -----------------------------------------------------
$(OUTPUT)/loader/%.o: loader/%.c | check-deps $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Ilib $(CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/lib/cc_table.o: $(OUTPUT)/lib/cc_table.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Ilib $(CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(OUTPUT)/selftests/%.o: selftests/%.c | check-deps $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Iloader -Iselftests -Ilib $(CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/bench/%.o: bench/%.c | check-deps $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Iloader -Iselftests -Ilib $(CFLAGS) -MMD -MP -c $< -o $@

# The library carries the BPF objects: lib/ includes their skeletons.
$(OUTPUT)/lib/%.o: lib/%.c | check-deps $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Ilib $(CFLAGS) -fPIC -MMD -MP -c $< -o $@

# --- stage 5: link -----------------------------------------------------------
$(LIBBPFTCP): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(LIBBPFTCP_SO): $(LIB_OBJS) $(LIB_MAP)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -shared -fPIC -Wl,-soname,libbpftcp.so.$(LIB_SOMAJOR) \
		-Wl,--version-script=$(LIB_MAP) -Wl,--no-undefined $(LIB_OBJS) $(LDLIBS) -lpthread -o $@
	$(Q)ln -sf $(notdir $@) $(OUTPUT)/libbpftcp.so.$(LIB_SOMAJOR)
	$(Q)ln -sf libbpftcp.so.$(LIB_SOMAJOR) $(OUTPUT)/libbpftcp.so

# pkg-config file for the install location (PREFIX, LIBDIR): written again
# whenever they change (a build for /usr/local, then 'make install
# PREFIX=/opt/x', must install a file naming /opt/x).
PC_SUBST = -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|'
$(LIBBPFTCP_PC): lib/libbpftcp.pc.in Makefile FORCE | $(OUTPUT)
	$(Q)sed $(PC_SUBST) $< > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; echo "  GEN      $(notdir $@)"; fi

$(BPFTCP): $(LOADER_OBJS) $(LIBBPFTCP)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/examples/%: examples/%.c $(LIBBPFTCP) | check-deps
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(LIBBPFTCP) $(LDLIBS) -lpthread -o $@

$(OUTPUT)/selftests/test_%: $(OUTPUT)/selftests/test_%.o $(SELFTEST_LIB) $(LOADER_LIB) $(LIBBPFTCP)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(CMOCKA_LIBS) $(LDLIBS) -o $@

# Benchmarks share the selftests' harness (netns, cgroup, commands).
$(OUTPUT)/bench/%: $(OUTPUT)/bench/%.o $(SELFTEST_LIB) $(LOADER_LIB) $(LIBBPFTCP)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

selftests: $(SELFTESTS)

$(OUTPUT)/fuzz/%: selftests/fuzz/%.c | check-deps
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Iinclude -MMD -MP -MF $@.d $< -o $@

$(OUTPUT)/netns-tests/linkem/%.o: netns-tests/linkem/%.c | check-deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(VARIANT): $(VMLINUX_H) FORCE
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/variant VMLINUX_H=$(abspath $(VMLINUX_H)) \
		BPF_EXTRA_CFLAGS=-DBPFTCP_BUILD_VARIANT $@

$(OUTPUT)/linkem: $(patsubst %.c,$(OUTPUT)/%.o,$(LINKEM_SRCS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -lm -lpthread -o $@

$(OUTPUT)/validate/%.o: validate/%.c | check-deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/tcpscript: $(patsubst %.c,$(OUTPUT)/%.o,$(TCPSCRIPT_SRCS)) $(LIBBPFTCP)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT):
	$(Q)mkdir -p $@

# --- user targets ------------------------------------------------------------
# make run: install deps, build, register every algorithm, and show each one
# carrying a transfer in a private netns.
run: deps
	$(Q)$(MAKE) --no-print-directory build-run
build-run: all $(LINKEM)
	$(Q)bash scripts/demo.sh $(BPFTCP)

# make test: every test; ends with "N passed, N failed, N skipped".
test: deps
	$(Q)$(MAKE) --no-print-directory build-test
build-test: all $(LINKEM) $(FUZZERS) $(TCPSCRIPT) $(VARIANT)
	$(Q)bash scripts/run-tests.sh $(OUTPUT)

# make fuzz: every fuzzer for FUZZ_RUNS executions (default 10 million) from
# its seed corpus, copied to $(OUTPUT)/fuzz/corpus/<name>; prints executions,
# seconds, executions per second, corpus size and crashes per target and
# writes them to $(OUTPUT)/fuzz/results.json.  A crash fails it, leaving the
# input in $(OUTPUT)/fuzz/artifacts/<name>/.
fuzz: $(FUZZERS)
	$(Q)bash scripts/run-fuzz.sh -r $(FUZZ_RUNS) $(OUTPUT)

# make stress: the reliability suites in full (scripts/stress.sh lists them;
# docs/reliability.md): the fuzzers for FUZZ_RUNS executions and the netns
# suites with STRESS=1.
# Prints a summary table and writes $(OUTPUT)/stress/results.json.  Like
# make test, run it under flock /tmp/bpftcp-priv.lock once privileged
# suites are listed.
stress: deps
	$(Q)$(MAKE) --no-print-directory build-stress
build-stress: all $(LINKEM) $(FUZZERS) $(TCPSCRIPT) $(VARIANT)
	$(Q)STRESS_FUZZ_RUNS=$(FUZZ_RUNS) bash scripts/stress.sh $(OUTPUT)

BENCH_BINS := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(wildcard bench/*.c))
bench: deps
	$(Q)$(MAKE) --no-print-directory build-bench
build-bench: all $(LINKEM) $(BENCH_BINS)
	$(Q)bash bench/run.sh $(OUTPUT)

# make compare: the default comparison scenarios over the emulated link
# (docs/compare.md); Flent files, plots and summary.{json,md} in
# $(OUTPUT)/compare.  COMPARE_ARGS= passes more options, e.g. --duration 30.
compare: deps
	$(Q)$(MAKE) --no-print-directory build-compare
build-compare: all $(LINKEM)
	$(Q)netns-tests/compare --build $(OUTPUT) --out $(OUTPUT)/compare --table $(COMPARE_ARGS)
# make compare-bbr: only scenario bbr (bbr vs bpf_bbr, docs/compare.md), in
# $(OUTPUT)/compare-bbr.
compare-bbr: deps
	$(Q)$(MAKE) --no-print-directory build-compare-bbr
build-compare-bbr: all $(LINKEM)
	$(Q)netns-tests/compare --build $(OUTPUT) --out $(OUTPUT)/compare-bbr --scenario bbr --table $(COMPARE_ARGS)
# make compare-ccneg: only scenario ccneg-fleet (a mixed fleet negotiating
# its congestion control with the ccneg option, docs/compare.md), in
# $(OUTPUT)/compare-ccneg.
compare-ccneg: deps
	$(Q)$(MAKE) --no-print-directory build-compare-ccneg
build-compare-ccneg: all $(LINKEM)
	$(Q)netns-tests/compare --build $(OUTPUT) --out $(OUTPUT)/compare-ccneg --scenario ccneg-fleet --table $(COMPARE_ARGS)
# make compare-bbr3: only scenario bbr3 (the IETF draft's claims for
# bpf_bbr3, with bpf_bbr in the same runs, docs/compare.md), in
# $(OUTPUT)/compare-bbr3.
compare-bbr3: deps
	$(Q)$(MAKE) --no-print-directory build-compare-bbr3
build-compare-bbr3: all $(LINKEM)
	$(Q)netns-tests/compare --build $(OUTPUT) --out $(OUTPUT)/compare-bbr3 --scenario bbr3 --table $(COMPARE_ARGS)

# make validate: every scenario script (validate/scenarios/*.tcp) on every
# algorithm it names, native then bpf_ twin, compared event by event
# (docs/validation.md); table.md and the CSV trajectories in $(OUTPUT)/validate.
validate: deps
	$(Q)$(MAKE) --no-print-directory build-validate
build-validate: all $(TCPSCRIPT)
	$(Q)bash validate/run.sh $(OUTPUT) $(VALIDATE_ARGS)

install: $(BPFTCP) $(MAN8) $(MAN5) $(UNIT) $(LIBBPFTCP) $(LIBBPFTCP_SO) $(LIBBPFTCP_PC)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/sbin/bpftcp)
	$(Q)install -D -m 0755 $(BPFTCP) $(DESTDIR)$(PREFIX)/sbin/bpftcp
	$(call msg,INSTALL,$(DESTDIR)$(LIBDIR)/libbpftcp.{a,so})
	$(Q)install -D -m 0644 $(LIBBPFTCP) $(DESTDIR)$(LIBDIR)/libbpftcp.a
	$(Q)install -D -m 0755 $(LIBBPFTCP_SO) $(DESTDIR)$(LIBDIR)/$(notdir $(LIBBPFTCP_SO))
	$(Q)ln -sf $(notdir $(LIBBPFTCP_SO)) $(DESTDIR)$(LIBDIR)/libbpftcp.so.$(LIB_SOMAJOR)
	$(Q)ln -sf libbpftcp.so.$(LIB_SOMAJOR) $(DESTDIR)$(LIBDIR)/libbpftcp.so
	$(Q)install -D -m 0644 $(LIBBPFTCP_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/libbpftcp.pc
	$(Q)install -d $(DESTDIR)$(PREFIX)/include/bpftcp
	$(Q)install -m 0644 $(LIB_HEADERS) $(DESTDIR)$(PREFIX)/include/bpftcp/
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/man/man8/bpftcp.8)
	$(Q)install -D -m 0644 $(MAN8) $(DESTDIR)$(PREFIX)/share/man/man8/bpftcp.8
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/man/man5/bpftcp.conf.5)
	$(Q)install -D -m 0644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/bpftcp.conf.5
	$(call msg,INSTALL,$(DESTDIR)$(UNITDIR)/bpftcp.service)
	$(Q)install -D -m 0644 $(UNIT) $(DESTDIR)$(UNITDIR)/bpftcp.service
	$(call msg,INSTALL,$(DESTDIR)$(DOCDIR)/bpftcp.conf.example)
	$(Q)install -D -m 0644 deploy/bpftcp.conf $(DESTDIR)$(DOCDIR)/bpftcp.conf.example
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/bash-completion/completions/bpftcp)
	$(Q)install -D -m 0644 $(COMPLETION) $(DESTDIR)$(PREFIX)/share/bash-completion/completions/bpftcp
	$(call msg,INSTALL,$(DESTDIR)$(WIRESHARK_PLUGINDIR)/bpftcp.lua)
	$(Q)install -D -m 0644 $(WIRESHARK_PLUGIN) $(DESTDIR)$(WIRESHARK_PLUGINDIR)/bpftcp.lua

uninstall:
	$(Q)rm -f $(DESTDIR)$(PREFIX)/sbin/bpftcp $(DESTDIR)$(PREFIX)/share/man/man8/bpftcp.8 \
		$(DESTDIR)$(PREFIX)/share/man/man5/bpftcp.conf.5 $(DESTDIR)$(UNITDIR)/bpftcp.service \
		$(DESTDIR)$(DOCDIR)/bpftcp.conf.example \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/bpftcp \
		$(DESTDIR)$(WIRESHARK_PLUGINDIR)/bpftcp.lua
	$(Q)rm -f $(DESTDIR)$(LIBDIR)/libbpftcp.a $(DESTDIR)$(LIBDIR)/libbpftcp.so* \
		$(DESTDIR)$(LIBDIR)/pkgconfig/libbpftcp.pc
	$(Q)rm -f $(addprefix $(DESTDIR)$(PREFIX)/include/bpftcp/,$(notdir $(LIB_HEADERS)))
	$(Q)rmdir $(DESTDIR)$(PREFIX)/include/bpftcp 2>/dev/null || true

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

help:
	@echo 'bpftcp build targets:'
	@echo '  make            build bpftcp, libbpftcp, the examples and the selftests (never installs packages)'
	@echo '  make deps       install build and test dependencies (Debian 12; needs root); run, test, bench and compare call it'
	@echo '  make run        build, register every algorithm, demo a transfer with each'
	@echo '  make test       run every test; ends with "N passed, N failed, N skipped"'
	@echo '  make validate   scripted-peer differential tests, native vs bpf_ twin; table in $(OUTPUT)/validate'
	@echo '  make bench      benchmarks; writes $(OUTPUT)/bench/results.json'
	@echo '  make compare    compare congestion controls on the emulated link (about 115 min);'
	@echo '                  Flent files, plots, summary.json/.md in $(OUTPUT)/compare'
	@echo '  make compare-bbr  only bbr vs bpf_bbr (scenario bbr), in $(OUTPUT)/compare-bbr'
	@echo '  make compare-ccneg  only the mixed fleet negotiating with ccneg (scenario ccneg-fleet),'
	@echo '                  in $(OUTPUT)/compare-ccneg'
	@echo '  make compare-bbr3  only the draft'"'"'s claims for bpf_bbr3 (scenario bbr3), in $(OUTPUT)/compare-bbr3'
	@echo '  make fuzz       run every libFuzzer target for FUZZ_RUNS executions (default 10000000)'
	@echo '  make stress     the reliability suites in full (docs/reliability.md): a summary and $(OUTPUT)/stress/results.json'
	@echo '  make install    install bpftcp, its man pages, bash completion and systemd unit, an example'
	@echo '                  bpftcp.conf, libbpftcp and its headers, and the Wireshark dissector'
	@echo '                  (WIRESHARK_PLUGINDIR) under PREFIX (default /usr/local)'
	@echo '  make clean      remove $(OUTPUT)/'
	@echo 'variables: V=1 (verbose), OUTPUT=, FUZZ_RUNS=, PREFIX=, DESTDIR=, UNITDIR=, DOCDIR=, WIRESHARK_PLUGINDIR=, VMLINUX_BTF=, VMLINUX_H=, CLANG=, BPFTOOL=, RST2MAN='

-include $(wildcard $(OUTPUT)/*/*.d $(OUTPUT)/*/*/*.d $(OUTPUT)/fuzz/*.d)

FORCE:
