# pnvme: a userspace, polled-mode NVMe driver.
#   make              libraries and tools under build/
#   make check        every test tier present (unit, sim, setup CLI, QEMU guest)
#   make run          the main job: pnvme-perf against a controller
#   make bench-sim    driver CPU cost per I/O against the software controller
#   make bench        pnvme beside the kernel's io_uring path in a QEMU guest
#   make bench-tcp    NVMe/TCP on loopback in a QEMU guest: the kernel's target; fio on
#                     the kernel's initiator and pnvme-perf on pnvme's
#   make bench-qd1    queue depth 1 in a QEMU guest: many short runs, both doorbell
#                     orders, runs counted per latency mode (docs/bench.md)
#   make check-tcp    check-qemu's fourth boot alone: NVMe/TCP, the kernel's reference
#                     test then pnvme's initiator against nvmet-tcp (test/qemu/tcp_test.sh)
#   make fio-plugin   build/lib/pnvme_fio.so, the fio ioengine (fetches fio's sources)
#   make fuzz         libFuzzer on the completion path and NVMe/TCP PDU parsing, FUZZ_SECONDS (60)
#                     shared between them, in build/fuzz/
#   make install      libraries, headers, pnvme.pc, tools, the fio ioengine when built,
#                     under $(PREFIX) (DESTDIR too)
#   make uninstall    removes what make install put there

BUILD := build
# V=1 shows the commands.
Q := $(if $(filter 1,$(V)),,@)
CONFIG := $(BUILD)/config.mk

# No configuration yet: install what is missing (as root), then configure.
$(CONFIG):
	@test/deps.sh build
	./configure

-include $(CONFIG)
include dpdk-config/dpdk.mk
ifneq ($(wildcard $(CONFIG)),)
ifndef PC_REQUIRES_PRIVATE
$(error $(CONFIG) was written by an older ./configure: run ./configure again)
endif
endif

# The version: pnvme_version(), the tools' --version, pnvme.pc and the shared
# library's file name all take it from here.
VERSION_MAJOR := 0
VERSION_MINOR := 2
VERSION_PATCH := 0
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
SONAME := libpnvme.so.$(VERSION_MAJOR)

WARN := -Wall -Wextra -Wmissing-declarations -Wmissing-prototypes -Wstrict-prototypes \
	-Wvla -Wshadow -Wpointer-arith -Wformat-security -Wundef
ifeq ($(CONFIG_WERROR),y)
WARN += -Werror
endif
ifeq ($(CONFIG_DEBUG),y)
OPT := -O0 -g3
else
OPT := -O2 -g -DNDEBUG
endif
SAN :=
ifeq ($(CONFIG_ASAN),y)
SAN += -fsanitize=address -fno-omit-frame-pointer
endif
ifeq ($(CONFIG_UBSAN),y)
SAN += -fsanitize=undefined -fno-sanitize-recover=undefined
endif

CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -pthread $(OPT) $(WARN) $(SAN) -Iinclude -Ilib \
	$(DPDK_CFLAGS) $(PCIACCESS_CFLAGS) $(ISAL_CFLAGS) $(EXTRA_CFLAGS)
DPDK_LIBS := -L$(DPDK_LIBDIR) -Wl,--as-needed $(addprefix -l,$(DPDK_COMPONENTS)) -Wl,--no-as-needed
LIBS := $(DPDK_LIBS) $(PCIACCESS_LIBS) $(ISAL_LIBS) -pthread -lm
LDFLAGS := $(SAN) $(EXTRA_LDFLAGS)

LIB_SRCS := $(sort $(wildcard lib/env/*.c lib/nvme/*.c lib/pcie/*.c lib/tcp/*.c lib/sim/*.c))
# The software controller registers itself with a constructor; a program linking
# an archive of the objects must pull its file in (nothing else refers to it).
SIM_PROVIDER := -Wl,-u,sim_pci_transport
# The NVMe/TCP transport registers itself the same way (lib/tcp/tcp_transport.c).
TCP_TRANSPORT := -Wl,-u,nvme_tcp_transport
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
# libpnvme.a, installed: one object in which only pnvme_* names are global.
# libpnvme_internal.a, not installed: every object as compiled, for the project's
# own tests, which call the driver's internal functions.
LIB_A := $(BUILD)/lib/libpnvme.a
LIB_INTERNAL_A := $(BUILD)/lib/libpnvme_internal.a
LIB_SO := $(BUILD)/lib/libpnvme.so
LIB_SYMS := $(BUILD)/lib/libpnvme.syms
LIB_O := $(BUILD)/obj/libpnvme.o
PC := $(BUILD)/lib/pnvme.pc
OBJCOPY ?= objcopy

# app/fio is the fio ioengine, a plugin and not a tool (below).
APPS := $(filter-out fio,$(sort $(notdir $(patsubst %/,%,$(dir $(wildcard app/*/*.c))))))
APP_BINS := $(APPS:%=$(BUILD)/bin/pnvme-%)
UNIT_TESTS := $(patsubst test/unit/%.c,$(BUILD)/test/unit/%,$(wildcard test/unit/*_ut.c))
SIM_TESTS := $(patsubst test/sim/%.c,$(BUILD)/test/sim/%,$(wildcard test/sim/*_test.c))
QEMU_TESTS := $(patsubst test/qemu/%.c,$(BUILD)/test/qemu/%,$(wildcard test/qemu/*.c))
# Helpers that guest tests call with arguments (guest-check.sh runs only the files
# directly in build/test/qemu/; run.sh takes the whole directory into the guest).
QEMU_TOOLS := $(patsubst test/qemu/tools/%.c,$(BUILD)/test/qemu/tools/%,$(wildcard test/qemu/tools/*.c))
BENCHES := $(patsubst test/bench/%.c,$(BUILD)/test/bench/%,$(wildcard test/bench/*.c))
# Helpers of the fio tier (test/fio/fio_test.sh): the fake NVMe/TCP target as a process.
FIO_TOOLS := $(patsubst test/fio/%.c,$(BUILD)/test/fio/%,$(wildcard test/fio/*.c))
TEST_HELPERS := $(wildcard test/common/*.c)
# Every examples/*.c is a program of its own.
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))

.PHONY: all lib apps tests check check-unit check-sim check-setup check-qemu run \
	bench bench-sim bench-tcp bench-qd1 check-tcp install clean distclean headers-check soak fuzz fuzz-build fuzz-deps \
	check-abi uninstall pc FORCE examples check-examples check-install check-cli fio-plugin check-fio
.DEFAULT_GOAL := all
# Keep objects that pattern rules chain through (test and tool objects).
.SECONDARY:

# The fio ioengine (app/fio/, docs/fio.md) is built against the sources of the fio
# installed here, which app/fio/fetch-fio.sh fetches and configures in
# build/fio-src/ (make fio-plugin); make builds it whenever they are there.
FIO_SRC_DIR = $(patsubst %/config-host.h,%,$(firstword $(wildcard $(BUILD)/fio-src/fio-*/config-host.h)))
FIO_PLUGIN := $(BUILD)/lib/pnvme_fio.so
FIO_PLUGIN_SRCS := $(sort $(wildcard app/fio/*.c))
FIO_PLUGIN_OBJS := $(FIO_PLUGIN_SRCS:%.c=$(BUILD)/obj/%.o)

all: lib apps tests examples $(if $(FIO_SRC_DIR),$(FIO_PLUGIN))

lib: $(LIB_A) $(LIB_SO) $(LIB_INTERNAL_A) $(PC)
apps: $(APP_BINS)
# Defined before the goals that list it: prerequisites expand when read.
SOAK := $(BUILD)/test/soak/soak
SOAK_SECONDS ?= 120
tests: $(UNIT_TESTS) $(SIM_TESTS) $(QEMU_TESTS) $(QEMU_TOOLS) $(BENCHES) $(FIO_TOOLS) $(SOAK)

$(BUILD)/obj/%.o: %.c $(CONFIG)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The files that say the version: pnvme_version(), and pnvme-setup (which does not link
# the driver); pnvme-perf and pnvme-identify print pnvme_version(). They get
# PNVME_VERSION from a header written from VERSION, changed only when VERSION is.
VERSION_H := $(BUILD)/gen/pnvme_version.h
$(VERSION_H): FORCE
	@mkdir -p $(dir $@)
	$(Q)echo '#define PNVME_VERSION "$(VERSION)"' >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
VERSION_DEF := -include $(VERSION_H)
VERSIONED_OBJS := $(BUILD)/obj/lib/nvme/version.o $(BUILD)/obj/app/setup/setup.o \
                  $(BUILD)/obj/app/setup/status_json.o
$(VERSIONED_OBJS): CFLAGS += $(VERSION_DEF)
$(VERSIONED_OBJS): $(VERSION_H)

$(LIB_INTERNAL_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# What the shared library exports (the version script's global: patterns, one a
# line), for objcopy: the two libraries cannot disagree.
$(LIB_SYMS): lib/libpnvme.map
	@mkdir -p $(dir $@)
	$(Q)awk '/global:/ { g = 1; next } /local:/ { g = 0 } g { gsub(/[ \t;]/, ""); if ($$0 != "") print }' \
		$< >$@

# The static library: a partial link (ld -r) of the library's objects into one,
# then every global name that is not in $(LIB_SYMS) made local, so that none of
# the driver's internal names (nvme_*, env_*, sim_*) can collide with a name of
# the program or another library linked beside it (test/abi/abi_test.sh).
$(LIB_A): $(LIB_OBJS) $(LIB_SYMS)
	@mkdir -p $(dir $@) $(dir $(LIB_O))
	@echo "  LD -r   $(LIB_O), only pnvme_* global"
	$(Q)$(LD) -r -o $(LIB_O).tmp $(LIB_OBJS)
	$(Q)$(OBJCOPY) --wildcard --keep-global-symbols=$(LIB_SYMS) $(LIB_O).tmp $(LIB_O)
	@echo "  AR      $@"
	$(Q)rm -f $(LIB_O).tmp $@ && ar rcs $@ $(LIB_O)

$(LIB_SO): $(LIB_OBJS) lib/libpnvme.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libpnvme.map \
		-Wl,--no-undefined $(LDFLAGS) -o $@.$(VERSION) \
		$(LIB_OBJS) $(LIBS)
	ln -sf libpnvme.so.$(VERSION) $@.$(VERSION_MAJOR)
	ln -sf libpnvme.so.$(VERSION) $@

# fio's headers are GNU C and not warning-clean: system headers, gnu11, its
# config-host.h first, as its own engines are built.
$(FIO_PLUGIN_OBJS): CFLAGS += -std=gnu11 -isystem $(FIO_SRC_DIR) -include $(FIO_SRC_DIR)/config-host.h
$(FIO_PLUGIN_OBJS): $(wildcard $(BUILD)/fio-src/fio-*/config-host.h)

# libpnvme.a inside (only pnvme_* global in it), DPDK's shared libraries beside;
# fio's own functions resolve against the fio binary that loads it. Never
# unloaded (-z nodelete): fio dlclose()s engines while DPDK's threads still run.
$(FIO_PLUGIN): $(FIO_PLUGIN_OBJS) $(LIB_A) app/fio/pnvme_fio.map
	@mkdir -p $(dir $@)
	@test -n "$(FIO_SRC_DIR)" || { echo "no fio sources: make fio-plugin fetches them" >&2; exit 1; }
	@echo "  LINK    $@"
	$(Q)$(CC) -shared -Wl,--version-script=app/fio/pnvme_fio.map -Wl,-z,nodelete $(LDFLAGS) -o $@ \
		$(FIO_PLUGIN_OBJS) $(LIB_A) $(LIBS)

fio-plugin: $(CONFIG)
	@app/fio/fetch-fio.sh $(BUILD)/fio-src >/dev/null
	@$(MAKE) --no-print-directory $(FIO_PLUGIN)

# fio with the plugin against the software controller (test/fio/fio_test.sh).
check-fio: fio-plugin $(FIO_TOOLS)
	@test/fio/fio_test.sh

# Examples see what an embedder sees: include/ (not lib/), the public libpnvme.a, and
# DPDK's flags for an example that calls DPDK itself.
EXAMPLE_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(OPT) $(WARN) $(SAN) -Iinclude \
	$(DPDK_CFLAGS) $(EXTRA_CFLAGS)
examples: $(EXAMPLES)
$(BUILD)/examples/%: examples/%.c $(LIB_A) $(CONFIG)
	@mkdir -p $(dir $@) $(BUILD)/obj/examples
	@echo "  CC+LD   $@"
	$(Q)$(CC) $(EXAMPLE_CFLAGS) -MMD -MP -MF $(BUILD)/obj/examples/$*.d -MT $@ $(LDFLAGS) \
		-o $@ $< $(LIB_A) $(LIBS)

# Tools link the static library (the public one: they use only the API) and run
# from build/bin without LD_LIBRARY_PATH.
.SECONDEXPANSION:
$(BUILD)/bin/pnvme-%: $$(addprefix $(BUILD)/obj/,$$(addsuffix .o,$$(basename $$(wildcard app/$$*/*.c)))) $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# pnvme-cli writes JSON with pnvme-identify's writer.
$(BUILD)/bin/pnvme-cli: $(BUILD)/obj/app/identify/json.o

TEST_HELPER_OBJS := $(TEST_HELPERS:%.c=$(BUILD)/obj/%.o)
TEST_CFLAGS := $(CUNIT_CFLAGS) -Ilib -Itest

$(BUILD)/obj/test/%.o: CFLAGS += $(TEST_CFLAGS)

$(BUILD)/test/%: $(BUILD)/obj/test/%.o $(TEST_HELPER_OBJS) $(LIB_INTERNAL_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) $(SIM_PROVIDER) $(TCP_TRANSPORT) -o $@ $^ $(CUNIT_LIBS) $(LIBS)

# The soak test: random verified I/O while faults of every kind fire (docs/testing.md).
$(SOAK): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard test/soak/*.c)) $(LIB_INTERNAL_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) $(SIM_PROVIDER) $(TCP_TRANSPORT) -o $@ $^ $(LIBS)

soak: $(SOAK)
	@$(SOAK) $(SOAK_SECONDS)

# Every public header compiles alone, as C and as C++.
headers-check: $(CONFIG)
	@for h in include/pnvme/*.h; do \
		echo "#include \"$${h#include/}\"" | $(CC) $(CFLAGS) -x c -fsyntax-only - || exit 1; \
		if command -v g++ >/dev/null; then \
		echo "#include \"$${h#include/}\"" | g++ -std=c++17 -Iinclude -x c++ -fsyntax-only - || exit 1; fi; \
	done; echo "public headers compile alone (C and C++)"

check-unit: $(UNIT_TESTS) headers-check
	@test/run-tests.sh unit $(UNIT_TESTS)

check-sim: $(SIM_TESTS)
	@test/run-tests.sh sim $(SIM_TESTS)

# Only pnvme_* names in both libraries; libpnvme.a links beside colliding names.
check-abi: lib
	@test/abi/abi_test.sh

# Each example against the software controller.
check-examples: examples
	@test/examples/run.sh $(EXAMPLES)

# make install/uninstall; the examples built out of the tree against the installed library.
check-install: lib apps
	@test/install/install_test.sh

# A variable's value, for the test scripts: make -s print-LIBS
print-%:
	@echo '$($*)'

check-cli: apps
	@test/cli/cli_test.sh $(BUILD)/bin/pnvme-cli

check-setup: apps
	@if [ -x test/setup/cli_test.sh ]; then test/setup/cli_test.sh $(BUILD)/bin/pnvme-setup; fi

check-qemu: all
	@test/qemu/check.sh

# Every tier; QEMU is installed by test/deps.sh when run as root.
check: all
	@test/deps.sh check
	@$(MAKE) --no-print-directory fio-plugin
	@test/check-all.sh

run: apps
	@test/run-main.sh

bench-sim: apps tests
	@test/bench/bench-sim.sh

bench: all
	@test/deps.sh bench
	@$(MAKE) --no-print-directory fio-plugin
	@test/bench/bench.sh

# Queue depth 1 under QEMU: many 1 s runs in one guest boot, the two doorbell
# orders alternating, runs counted per latency mode (test/bench/qd1_series.sh).
bench-qd1: all
	@test/qemu/run.sh --bench --timeout 900 -- \
		test/bench/qd1_series.sh $${PNVME_QD1_RUNS:-12} $${PNVME_BENCH_SECONDS:-1}

# NVMe/TCP in one guest boot, no emulated controller (test/bench/tcp_bench.sh
# prints the table; the console log is build/qemu/last.log).
bench-tcp: all
	@test/deps.sh bench
	@test/qemu/run.sh --layout tcp --timeout 900 -i "$$(command -v fio)" -- \
		test/bench/tcp_bench.sh $${PNVME_BENCH_SECONDS:-3} $${PNVME_BENCH_REPEATS:-3} \
		$(if $(filter 1,$(TCPBENCH_URING_CMD_HIPRI)),hipri)

# The fourth boot of check-qemu alone: the kernel's reference test, then pnvme's.
# fio, the ioengine and its job go in when the host has fio (tcp_test.sh fails
# its fio check without them).
check-tcp: all
	@if command -v fio >/dev/null; then $(MAKE) --no-print-directory fio-plugin; fi
	@test/qemu/run.sh --layout tcp --mem 3G --timeout 600 -i test/qemu/tcp_kernel_test.sh \
		-i test/qemu/tcp_test.sh \
		$$(command -v fio >/dev/null && echo "-i $$(command -v fio) -i $(FIO_PLUGIN) -i test/fio/verify.fio") \
		-- test/qemu/guest-tcp.sh

# libFuzzer targets (test/fuzz/*_fuzz.c): the library compiled again with clang,
# coverage, ASan and UBSan, in build/fuzz/ beside the normal build.
FUZZ_CC := clang-14
FUZZ_SECONDS := 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread -O1 -g $(WARN) -Werror $(FUZZ_SAN) \
	-Iinclude -Ilib -Itest $(DPDK_CFLAGS) $(PCIACCESS_CFLAGS)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_TARGETS := $(patsubst test/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard test/fuzz/*_fuzz.c))

fuzz-deps:
	@test/deps.sh fuzz
	@command -v $(FUZZ_CC) >/dev/null || \
		{ echo "make fuzz needs $(FUZZ_CC) and libfuzzer-14-dev (Debian packages)" >&2; exit 1; }

# The library: coverage only (libFuzzer's main comes with the target).
$(FUZZ_DIR)/obj/lib/%.o: lib/%.c $(CONFIG) | fuzz-deps
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/obj/test/fuzz/%.o: test/fuzz/%.c $(CONFIG) | fuzz-deps
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -c $< -o $@

$(FUZZ_DIR)/obj/lib/nvme/version.o: FUZZ_CFLAGS += $(VERSION_DEF)
$(FUZZ_DIR)/obj/lib/nvme/version.o: $(VERSION_H)

$(FUZZ_DIR)/libpnvme.a: $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

# The driver's log goes through the target (--wrap): bogus CIDs are logged as errors.
$(FUZZ_DIR)/%_fuzz: $(FUZZ_DIR)/obj/test/fuzz/%_fuzz.o $(FUZZ_DIR)/libpnvme.a
	@echo "  LINK    $@"
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -Wl,--wrap=pnvme_log $(SIM_PROVIDER) $(TCP_TRANSPORT) -o $@ $^ $(LIBS)

fuzz-build: $(FUZZ_TARGETS)

# FUZZ_SECONDS in all, shared evenly (at least 1 s each), each target from its seeds
# (test/fuzz/corpus/NAME/); one line each.
FUZZ_EACH = $(shell n=$(words $(FUZZ_TARGETS)); s=$$(( $(FUZZ_SECONDS) / (n > 0 ? n : 1) )); echo $$(( s > 0 ? s : 1 )))
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do test/fuzz/run.sh $$t $(FUZZ_EACH) || exit 1; done

# Where make install puts things: configure's --prefix, --libdir, --includedir,
# --bindir, or PREFIX=... given to make (the others follow it unless configured).
PKGCONFIGDIR := $(LIBDIR)/pkgconfig
HEADERS := $(notdir $(wildcard include/pnvme/*.h))
# A directory under the prefix is written ${prefix}/... in pnvme.pc.
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

# pnvme.pc for the directories of this make run; the file changes only when they do.
pc: $(PC)
$(PC): lib/pnvme.pc.in $(CONFIG) FORCE
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc_dir,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|' -e 's|@VERSION@|$(VERSION)|' \
		-e 's|@REQUIRES_PRIVATE@|$(PC_REQUIRES_PRIVATE)|' \
		-e 's|@LIBS_PRIVATE@|$(PC_LIBS_PRIVATE)|' $< >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@ && echo "  GEN     $@"; fi
FORCE:

# The static library installed is the public one; libpnvme_internal.a stays in build/.
# The fio ioengine goes beside the libraries when it was built.
install: lib apps $(PC) $(if $(FIO_SRC_DIR),$(FIO_PLUGIN))
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR)/pnvme \
		$(DESTDIR)$(BINDIR)
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO).$(VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf libpnvme.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libpnvme.so
	install -m 644 $(addprefix include/pnvme/,$(HEADERS)) $(DESTDIR)$(INCLUDEDIR)/pnvme/
	install -m 644 $(PC) $(DESTDIR)$(PKGCONFIGDIR)/
	install -m 755 $(APP_BINS) $(DESTDIR)$(BINDIR)/
	if [ -f $(FIO_PLUGIN) ]; then install -m 755 $(FIO_PLUGIN) $(DESTDIR)$(LIBDIR)/; fi

# Exactly what install put (same variables); directories stay, but for include/pnvme
# when it is empty.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,libpnvme.a libpnvme.so.$(VERSION) $(SONAME) \
		libpnvme.so $(notdir $(FIO_PLUGIN))) $(DESTDIR)$(PKGCONFIGDIR)/pnvme.pc \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/pnvme/,$(HEADERS)) \
		$(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(APP_BINS)))
	if [ -d $(DESTDIR)$(INCLUDEDIR)/pnvme ]; then rmdir --ignore-fail-on-non-empty \
		$(DESTDIR)$(INCLUDEDIR)/pnvme; fi

clean:
	rm -rf $(BUILD)/obj $(BUILD)/lib $(BUILD)/bin $(BUILD)/test $(BUILD)/examples $(BUILD)/gen \
		$(FUZZ_DIR)/obj \
		$(FUZZ_TARGETS) \
		$(FUZZ_DIR)/libpnvme.a

distclean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
