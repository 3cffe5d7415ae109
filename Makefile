# SPDX-License-Identifier: BSD-2-Clause
# ioguard: one non-recursive Makefile. `make` builds the library, the tool and
# the tests; `make test` runs everything; `make run` shows the tool at work.

CC ?= cc
CXX ?= c++
CLANG ?= clang
AR ?= ar
PYTHON ?= python3
IASL ?= iasl
BUILD ?= build
SHARED ?= ../shared
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^#define IOG_VERSION "\(.*\)"/\1/p' include/ioguard/ioguard.h)
FUZZ_SECONDS ?= 600
FUZZ_SHORT_RUNS ?= 200000

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wpointer-arith -Wvla
BASE_CFLAGS := -std=c11 $(WARN) -Iinclude -Isrc -I.
CFLAGS ?= -O2 -g
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# The freestanding core and the hosted platform.
CORE_SRC := $(sort $(wildcard src/*/*.c))
HOSTED_SRC := $(sort $(wildcard platform/hosted/*.c))
LIB_SRC := $(CORE_SRC) $(HOSTED_SRC)
TOOL_SRC := $(sort $(wildcard tools/*.c))
# The software VT-d and AMD-Vi models: host code only (the tests, `ioguard plan`),
# never part of the library.
MODEL_SRC := $(sort $(wildcard model/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPER_SRC := $(filter-out $(UNIT_SRC),$(sort $(wildcard tests/unit/*.c)))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
ASL := $(sort $(wildcard tests/tables/*.asl))

# The tool's bundled examples: QEMU's own tables, compiled from the fixtures
# by iasl and kept in the tree as C (tools/example_tables.c, `make examples`),
# so that `make tool` needs only a C compiler and make.
EXAMPLE_AML := $(BUILD)/tables/qemu-q35-dmar.aml $(BUILD)/tables/qemu-q35-ivrs.aml
EXAMPLE_C := tools/example_tables.c

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
# The tool links the software models: `ioguard plan` runs the shield on them.
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/obj/%.o) \
	$(MODEL_SRC:%.c=$(BUILD)/obj/%.o)
SAN_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/san/%.o)
SAN_TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/san/%.o) \
	$(MODEL_SRC:%.c=$(BUILD)/san/%.o)
UNIT_HELPER_OBJ := $(UNIT_HELPER_SRC:%.c=$(BUILD)/san/%.o) $(MODEL_SRC:%.c=$(BUILD)/san/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/san/tests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
TABLES := $(ASL:tests/tables/%.asl=$(BUILD)/tables/%.aml)

# The shield kernel's sources and flags (rules further down).
KERNEL_SRC := $(CORE_SRC) $(sort $(wildcard platform/x86/*.c)) $(sort $(wildcard boot/*.c))
KERNEL_ASM := $(sort $(wildcard boot/*.S))
KERNEL_OBJ := $(KERNEL_SRC:%.c=$(BUILD)/boot/obj/%.o) $(KERNEL_ASM:%.S=$(BUILD)/boot/obj/%.o)
KERNEL_CFLAGS := -std=c11 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-mcmodel=small -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib -O2 -g \
	$(WARN) -Iinclude -Isrc -I.
KERNEL_LDFLAGS := -T boot/link.ld -nostdlib -z max-page-size=0x1000
KERNEL := $(BUILD)/boot/shield.elf
KERNEL_LD ?= ld
OBJCOPY ?= objcopy

LIB := $(BUILD)/libioguard.a
# The core alone for bare-metal x86_64 hosts (no libc, no SSE, no red zone,
# position-independent so that it links at any address): installed beside
# the hosted library with its own pkg-config file.
FS_LIB := $(BUILD)/freestanding-lib/libioguard-freestanding.a
FS_LIB_OBJ := $(CORE_SRC:%.c=$(BUILD)/freestanding-lib/%.o)
FS_LIB_FLAGS := -std=c11 $(WARN) -Iinclude -Isrc -O2 -g -ffreestanding -fno-builtin -nostdlib \
	-mno-red-zone -mno-sse -mno-mmx -mno-80387 -fno-stack-protector -fpie -m64
SAN_LIB := $(BUILD)/san/libioguard.a
TOOL := $(BUILD)/ioguard
SAN_TOOL := $(BUILD)/san/ioguard
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps lib tool tables tests test unit real-dmar bench cli plan plan-guest docs-check install-check format-check xcheck fuzz fuzz-short \
	freestanding-check clang-check tool-check run install uninstall clean format man

all: lib $(FS_LIB) tool tables tests $(BENCH_BIN) $(KERNEL)

# Installs (as root) or names (otherwise) the Debian packages needed.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(@D) && touch $@

lib: $(LIB)
tool: $(TOOL)
tables: $(TABLES)
tests: $(UNIT_BIN) $(SAN_TOOL)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

# Regenerates the bundled examples from the fixtures (needs iasl).
.PHONY: examples examples-check
examples: $(EXAMPLE_AML) scripts/embed.sh
	scripts/embed.sh $(EXAMPLE_C) $(EXAMPLE_AML)

# The bundled examples are what iasl makes of the fixtures today.
examples-check: $(EXAMPLE_AML) scripts/embed.sh
	@scripts/embed.sh $(BUILD)/example_tables.c $(EXAMPLE_AML)
	@cmp -s $(BUILD)/example_tables.c $(EXAMPLE_C) || \
		{ echo "examples-check: $(EXAMPLE_C) is stale: run make examples"; exit 1; }
	@echo "examples-check: $(EXAMPLE_C) matches the fixtures"

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/freestanding-lib/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(FS_LIB_FLAGS) -MMD -MP -c $< -o $@

$(FS_LIB): $(FS_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SAN_LIB): $(SAN_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(TOOL): $(TOOL_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(TOOL_OBJ) $(LIB)

$(SAN_TOOL): $(SAN_TOOL_OBJ) $(SAN_LIB)
	$(CC) $(SAN_FLAGS) -o $@ $(SAN_TOOL_OBJ) $(SAN_LIB)

$(BUILD)/san/tests/%: tests/unit/%.c $(UNIT_HELPER_OBJ) $(SAN_LIB) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itests/unit $(SAN_FLAGS) -o $@ $< $(UNIT_HELPER_OBJ) $(SAN_LIB) -lcmocka

# ASL fixtures, compiled by ACPICA's iasl.
$(BUILD)/tables/%.aml: tests/tables/%.asl | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(IASL) -vs -p $(basename $@) $< > $(basename $@).log 2>&1 || { cat $(basename $@).log; exit 1; }

# Everything the README promises, from a fresh machine.
test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory real-dmar
	@$(MAKE) --no-print-directory cli
	@$(MAKE) --no-print-directory docs-check
	@$(MAKE) --no-print-directory xcheck
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory plan
	@$(MAKE) --no-print-directory plan-guest
	@$(MAKE) --no-print-directory fuzz-short
	@$(MAKE) --no-print-directory freestanding-check
	@$(MAKE) --no-print-directory clang-check
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory install-check
	@$(MAKE) --no-print-directory tool-check
	@$(MAKE) --no-print-directory examples-check
	@echo "make test: all passed"

unit: $(UNIT_BIN) $(TABLES)
	@IOG_TABLES=$(BUILD)/tables IOG_SHARED=$(SHARED) IOG_TOOL=$(SAN_TOOL) \
		sh tests/run-unit.sh $(UNIT_BIN)

# The shield on every real DMAR with every source-id checked in every topology and
# capability set: an optimised build, as the sanitized unit run samples the
# source-ids of the catch-all units to stay quick.
REAL_FULL := $(BUILD)/opt/test_shield_real
$(REAL_FULL): tests/unit/test_shield_real.c $(UNIT_HELPER_SRC) $(MODEL_SRC) $(LIB_SRC) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itests/unit -O2 -g -o $@ $(filter %.c,$^) -lcmocka

real-dmar: $(REAL_FULL)
	@IOG_SHARED=$(SHARED) IOG_REAL_FULL=1 $(REAL_FULL)

# The tool's exit codes, partial decoding, JSON and fallback (sanitized build);
# explain and edit, edited tables read back by iasl -d and the tool.
cli: $(SAN_TOOL) $(TABLES)
	@sh tests/cli.sh $(SAN_TOOL) $(BUILD)/tables $(SHARED)/tables $(BUILD)/cli
	@sh tests/cli-edit.sh $(SAN_TOOL) $(BUILD)/tables $(SHARED)/tables $(BUILD)/cli-edit $(IASL)

# Every lint id documented in ioguard(1) and explained by `ioguard explain`,
# the man page's LINT FINDINGS as explain prints them; no placeholder left.
docs-check: $(TOOL)
	@mkdir -p $(BUILD)
	@sh tests/docs-check.sh $(BUILD) $(TOOL)

# Regenerates ioguard(1)'s LINT FINDINGS from the tool's explanations.
man: $(TOOL)
	@{ sed '/^\.\\" BEGIN LINT FINDINGS/q' docs/ioguard.1; $(TOOL) explain --man; \
	  sed -n '/^\.\\" END LINT FINDINGS/,$$p' docs/ioguard.1; } >$(BUILD)/ioguard.1.new
	@mv $(BUILD)/ioguard.1.new docs/ioguard.1

# Every field of `ioguard dump --json` against ACPICA's `iasl -d`; acpidump text
# of every table against its binary (and ACPICA's acpixtract); every 64-bit
# field through jq.
xcheck: $(SAN_TOOL) $(TABLES) $(DEPS_STAMP)
	@$(PYTHON) tests/xcheck/xcheck.py --tool $(SAN_TOOL) --iasl $(IASL) \
		--tables $(BUILD)/tables --shared $(SHARED)/tables --work $(BUILD)/xcheck
	@$(PYTHON) tests/xcheck/acpidump_check.py --tool $(SAN_TOOL) \
		--tables $(BUILD)/tables --shared $(SHARED)/tables --work $(BUILD)/acpidump
	@$(PYTHON) tests/xcheck/jq64.py --tool $(SAN_TOOL) --tables $(BUILD)/tables \
		--shared $(SHARED)/tables

# libFuzzer targets (clang).
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) $(FUZZ_FLAGS) -o $@ $< $(CORE_SRC)

# The acpidump text reader is the tool's, not the library's.
$(BUILD)/fuzz/fuzz_acpidump: tests/fuzz/fuzz_acpidump.c tools/acpidump.c $(CORE_SRC) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) $(FUZZ_FLAGS) -o $@ $< tools/acpidump.c $(CORE_SRC)

# The shield's fuzzer runs the whole policy on software units: the model, the hosted platform
# and the machine (tests/unit/hostile.c) too. The checkers (verifier, model, machine) are
# sanitized but not instrumented for coverage: their loops over every source-id would
# otherwise take most of the time, and what the fuzzer steers is the shield and the parsers.
FUZZ_SHIELD_SHORT_RUNS ?= 20000
SHIELD_FUZZ_CHECKERS := src/verify/verify.c $(MODEL_SRC) $(HOSTED_SRC) tests/unit/hostile.c \
	tests/unit/server.c
SHIELD_FUZZ_OBJ := $(SHIELD_FUZZ_CHECKERS:%.c=$(BUILD)/fuzz/obj/%.o)
$(BUILD)/fuzz/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-MMD -MP -c $< -o $@
$(BUILD)/fuzz/fuzz_shield: tests/fuzz/fuzz_shield.c $(filter-out $(SHIELD_FUZZ_CHECKERS),$(CORE_SRC)) \
		$(SHIELD_FUZZ_OBJ) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) $(FUZZ_FLAGS) -o $@ $< \
		$(filter-out $(SHIELD_FUZZ_CHECKERS),$(CORE_SRC)) $(SHIELD_FUZZ_OBJ)

fuzz-short: $(FUZZ_BIN) $(TABLES)
	@FUZZ_SHIELD_RUNS=$(FUZZ_SHIELD_SHORT_RUNS) sh tests/fuzz/run.sh short $(FUZZ_SHORT_RUNS) $(BUILD) $(SHARED)/tables $(FUZZ_BIN)

fuzz: $(FUZZ_BIN) $(TABLES)
	@sh tests/fuzz/run.sh long $(FUZZ_SECONDS) $(BUILD) $(SHARED)/tables $(FUZZ_BIN)

# The core alone, as a bare-metal x86_64 kernel would build it: nothing may
# be left undefined (the platform hooks are reached through a struct).
FREESTANDING_FLAGS := -std=c11 $(WARN) -Iinclude -Isrc -O2 -ffreestanding -nostdlib \
	-mno-red-zone -mno-sse -mno-mmx -mno-80387 -fno-stack-protector -fno-pic -m64 \
	-mcmodel=kernel -fno-builtin
freestanding-check:
	@rm -rf $(BUILD)/freestanding && mkdir -p $(BUILD)/freestanding
	@for f in $(CORE_SRC); do \
		o=$(BUILD)/freestanding/$$(echo $$f | tr / _).o; \
		$(CC) $(FREESTANDING_FLAGS) -c $$f -o $$o || exit 1; \
	done
	@ld -r -o $(BUILD)/freestanding/core.o $(BUILD)/freestanding/*_*.o
	@undef=$$(nm -u $(BUILD)/freestanding/core.o); \
	if [ -n "$$undef" ]; then echo "freestanding-check: undefined symbols:"; echo "$$undef"; exit 1; fi
	@echo "freestanding-check: $(words $(CORE_SRC)) files, no undefined symbols"

# The same sources must build warning-free with clang too.
clang-check: $(DEPS_STAMP)
	@for f in $(LIB_SRC) $(TOOL_SRC) $(MODEL_SRC) $(UNIT_SRC) $(UNIT_HELPER_SRC) $(FUZZ_SRC) $(BENCH_SRC); do \
		$(CLANG) $(BASE_CFLAGS) -Itests/unit -fsyntax-only $$f || exit 1; \
	done
	@for f in $(CORE_SRC); do \
		$(CLANG) $(FREESTANDING_FLAGS) -fsyntax-only $$f || exit 1; \
	done
	@for f in $(filter-out $(CORE_SRC),$(KERNEL_SRC)); do \
		$(CLANG) $(KERNEL_CFLAGS) -fsyntax-only $$f || exit 1; \
	done
	@echo "clang-check: $(words $(LIB_SRC) $(TOOL_SRC) $(MODEL_SRC) $(UNIT_SRC) $(UNIT_HELPER_SRC) $(FUZZ_SRC) $(BENCH_SRC) $(filter-out $(CORE_SRC),$(KERNEL_SRC))) files clean"

# Benchmarks: figures, never pass/fail. The last line is the one to track.
$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -g -o $@ $< $(LIB)

# The shield's bench drives the software model on the server the unit tests build.
$(BUILD)/bench/bench_shield: bench/bench_shield.c tests/unit/server.c tests/unit/hostile.c $(MODEL_SRC) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -g -o $@ $(filter %.c,$^) $(LIB)

bench: $(BENCH_BIN)
	@for b in $(BENCH_BIN); do $$b || exit 1; done

# The shield kernel under QEMU: firmware leaves VT-d and interrupt remapping
# on, then the shield disables, conceals, protects, and checks with real DMA.
# IOMMU=amd: the same on QEMU's AMD IOMMU, which firmware leaves on.
# GUEST=linux: then Debian's Linux boots on top and checks from inside (on
# AMD, Debian's generic kernel: the cloud one has no AMD IOMMU driver).
# BOOT=grub-bios|grub-uefi: GRUB loads the kernel from an ISO
# (boot/grub/grub.cfg) on SeaBIOS or on OVMF, UEFI firmware, instead of
# QEMU's own multiboot loader (BOOT=qemu); the ISO and the firmware's
# variable store stay in build/run/BOOT, so that the printed QEMU command
# line can be run again.
# SHIELD_ARGS: more options for the kernel (e.g. conceal=zap).
# The build is quiet: only the QEMU command line and the console show.
IOMMU ?= intel
BOOT ?= qemu
RUN_NEEDS = $(KERNEL) $(DEPS_STAMP) \
	$(if $(filter linux,$(GUEST)),guest $(if $(filter amd,$(IOMMU)),linux-generic,linux))
RUN_ENV = BOOT=$(BOOT) $(if $(filter qemu,$(BOOT)),,RUNDIR=$(BUILD)/run/$(BOOT))
run:
	@$(MAKE) --no-print-directory -s $(RUN_NEEDS)
ifeq ($(IOMMU)-$(GUEST),amd-linux)
	@$(RUN_ENV) IOMMU=amd IOMMU_OPTS=intremap=on APPEND="linux=on $(SHIELD_ARGS)" \
		sh scripts/run-qemu.sh $(KERNEL) -device edu -device edu \
		-initrd "$(BUILD)/linux-generic/vmlinuz,$(GUEST_INITRAMFS)"
else ifeq ($(IOMMU),amd)
	@$(RUN_ENV) IOMMU=amd IOMMU_OPTS=intremap=on APPEND="firmware=on $(SHIELD_ARGS)" \
		sh scripts/run-qemu.sh $(KERNEL) -device edu -device edu
else ifeq ($(GUEST),linux)
	@$(RUN_ENV) APPEND="linux=on $(SHIELD_ARGS)" sh scripts/run-qemu.sh $(KERNEL) \
		-device edu -device edu -initrd "$(BUILD)/linux/vmlinuz,$(GUEST_INITRAMFS)"
else
	@$(RUN_ENV) IOMMU_OPTS=intremap=on APPEND="firmware=on intremap=on $(SHIELD_ARGS)" \
		sh scripts/run-qemu.sh $(KERNEL) -device edu -device edu
endif

install: $(LIB) $(FS_LIB) $(TOOL)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/ioguard \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(LIB) $(FS_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/ioguard/*.h $(DESTDIR)$(PREFIX)/include/ioguard/
	install -m 755 $(TOOL) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 docs/ioguard.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' ioguard.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/ioguard.pc
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' ioguard-freestanding.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/ioguard-freestanding.pc

# `make install` into a scratch prefix; a C, a C++ and a freestanding program
# (no libc, its own entry point) built through pkg-config against it; every
# exported symbol of both libraries carries the iog_ prefix and the
# freestanding one needs nothing from outside; `make uninstall`.
install-check: $(LIB) $(FS_LIB) $(TOOL) $(TABLES)
	@rm -rf $(BUILD)/stage
	@$(MAKE) --no-print-directory -s install PREFIX=$(abspath $(BUILD))/stage >/dev/null
	@PKG_CONFIG_PATH=$(BUILD)/stage/lib/pkgconfig; export PKG_CONFIG_PATH; \
	$(CC) -std=c11 -Wall -Wextra -Werror tests/install/consumer.c \
		$$(pkg-config --cflags --libs ioguard) -o $(BUILD)/stage/consumer && \
	$(CXX) -std=c++11 -Wall -Wextra -Werror -pedantic tests/install/consumer.cc \
		$$(pkg-config --cflags --libs ioguard) -o $(BUILD)/stage/consumer-cxx && \
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -nostdlib -static -fno-stack-protector \
		tests/install/freestanding.c $$(pkg-config --cflags --libs ioguard-freestanding) \
		-o $(BUILD)/stage/consumer-freestanding
	@for h in include/ioguard/*.h; do grep -q "<ioguard/$${h##*/}>" tests/install/consumer.cc || \
		{ echo "install-check: tests/install/consumer.cc does not include $$h"; exit 1; }; done
	@$(BUILD)/stage/consumer $(BUILD)/tables/qemu-q35-dmar.aml | grep -qx 'ioguard $(VERSION): first unit at 0xfed90000'
	@$(BUILD)/stage/consumer-cxx $(BUILD)/tables/qemu-q35-dmar.aml | grep -qx 'ioguard $(VERSION) (C++): first unit at 0xfed90000'
	@$(BUILD)/stage/consumer-freestanding $(BUILD)/tables/qemu-q35-dmar.aml | \
		grep -qx 'ioguard $(VERSION) (freestanding): first unit at 0xfed90000'
	@if nm $(BUILD)/stage/consumer-freestanding | grep -q ' U '; then \
		echo "install-check: the freestanding consumer has undefined symbols"; exit 1; fi
	@bad=$$(nm -g --defined-only $(BUILD)/stage/lib/libioguard.a $(BUILD)/stage/lib/libioguard-freestanding.a | \
		awk 'NF == 3 && $$3 !~ /^iog_/ {print $$3}'); \
	if [ -n "$$bad" ]; then echo "install-check: exported without the iog_ prefix:" $$bad; exit 1; fi
	@undef=$$(nm -u $(BUILD)/stage/lib/libioguard-freestanding.a | awk 'NF == 2 && $$2 !~ /^(iog_|_GLOBAL_OFFSET_TABLE_$$)/ {print $$2}'); \
	if [ -n "$$undef" ]; then echo "install-check: the freestanding library needs" $$undef; exit 1; fi
	@$(BUILD)/stage/bin/ioguard --version | grep -qx 'ioguard $(VERSION)'
	@$(MAKE) --no-print-directory -s uninstall PREFIX=$(abspath $(BUILD))/stage >/dev/null
	@left=$$(find $(BUILD)/stage -type f ! -name 'consumer*'); \
	if [ -n "$$left" ]; then echo "install-check: uninstall left $$left"; exit 1; fi
	@echo "install-check: installed; C, C++ and freestanding consumers built through pkg-config and run; symbols iog_ only; uninstalled cleanly"

# `make tool` with nothing but a C compiler, binutils and make on the PATH
# (no iasl, clang, python or QEMU), in a scratch build directory.
TOOL_ONLY_CMDS := make sh sed mkdir rm cat
tool-check:
	@rm -rf $(BUILD)/tool-only && mkdir -p $(BUILD)/tool-only/bin
	@for t in $(CC) as ld $(AR) $(TOOL_ONLY_CMDS); do \
		p=$$(command -v $$t) || { echo "tool-check: $$t not found"; exit 1; }; \
		ln -sf "$$(readlink -f "$$p")" $(BUILD)/tool-only/bin/$$t; \
	done
	@env -i PATH=$(abspath $(BUILD))/tool-only/bin HOME=/nonexistent \
		make --no-print-directory -s tool CC=$(CC) AR=$(AR) BUILD=$(abspath $(BUILD))/tool-only/build \
		> $(BUILD)/tool-only/log 2>&1 || { cat $(BUILD)/tool-only/log; exit 1; }
	@$(BUILD)/tool-only/build/ioguard dump --example >/dev/null
	@echo "tool-check: make tool built the CLI with only $(CC), binutils and make"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libioguard.a $(DESTDIR)$(PREFIX)/lib/libioguard-freestanding.a \
		$(DESTDIR)$(PREFIX)/bin/ioguard $(DESTDIR)$(PREFIX)/lib/pkgconfig/ioguard.pc \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/ioguard-freestanding.pc $(DESTDIR)$(PREFIX)/share/man/man1/ioguard.1
	rm -rf $(DESTDIR)$(PREFIX)/include/ioguard

# The shield kernel (boot/): the core, platform/x86 and boot/ built as one
# freestanding x86_64 image, identity-mapped and loaded at 1 MiB by a
# multiboot loader. QEMU's -kernel takes 32-bit ELF only, hence the copy.

.PHONY: kernel e2e dump
kernel: $(KERNEL)

$(BUILD)/boot/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/boot/obj/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(KERNEL:.elf=.elf64): $(KERNEL_OBJ) boot/link.ld
	$(KERNEL_LD) $(KERNEL_LDFLAGS) -o $@ $(filter %.o,$^)

$(BUILD)/boot/%.elf: $(BUILD)/boot/%.elf64
	$(OBJCOPY) -O elf32-i386 $< $@

# The self-test under QEMU in every configuration it must pass, then with an
# unmodified Linux guest on top.
e2e: $(KERNEL) $(DEPS_STAMP) guest linux linux-generic iso
	@bash tests/e2e/matrix.sh $(KERNEL) $(BUILD)/e2e $(BUILD)/linux/vmlinuz $(GUEST_INITRAMFS) \
		$(BUILD)/linux-generic/vmlinuz

# The tool on the machine's own DMAR/IVRS (exit 2, saying why, when there is none).
dump: $(TOOL)
	@$(TOOL) dump

# The guest side: Debian's cloud kernel and, for the AMD guest, its generic
# kernel (both fetched, never installed), and an initramfs whose /init checks
# from inside Linux what the shield hides and blocks
# (tests/guest/ioguard-check.c).
.PHONY: guest linux linux-generic
GUEST ?=
SHIELD_ARGS ?=
GUEST_CHECK := $(BUILD)/guest/ioguard-check
GUEST_INITRAMFS := $(BUILD)/guest/initramfs.cpio

guest: $(GUEST_CHECK) $(GUEST_INITRAMFS)

$(GUEST_CHECK): tests/guest/ioguard-check.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -static -O2 $(WARN) -o $@ $<

$(GUEST_INITRAMFS): $(GUEST_CHECK) scripts/mkinitramfs.py
	$(PYTHON) scripts/mkinitramfs.py $@ $(GUEST_CHECK)

linux:
	@sh scripts/fetch-linux.sh $(BUILD)/linux

linux-generic:
	@sh scripts/fetch-linux.sh $(BUILD)/linux-generic linux-image-amd64

# GRUB ISOs (BIOS and UEFI, boot/grub/grub.cfg) for a USB stick or a CD:
# the shield's self-test with the default options, and the same with the
# Linux guest on top (linux=on).
ISO := $(BUILD)/boot/ioguard-shield.iso
ISO_LINUX := $(BUILD)/boot/ioguard-shield-linux.iso
.PHONY: iso
iso: $(ISO) $(ISO_LINUX)
$(ISO): $(KERNEL) boot/grub/grub.cfg scripts/mkiso.sh | $(DEPS_STAMP)
	sh scripts/mkiso.sh $@ $(KERNEL)
$(ISO_LINUX): $(KERNEL) boot/grub/grub.cfg scripts/mkiso.sh $(GUEST_INITRAMFS) | $(DEPS_STAMP) linux
	sh scripts/mkiso.sh $@ $(KERNEL) linux=on $(BUILD)/linux/vmlinuz $(GUEST_INITRAMFS)

# `ioguard plan` on three saved machine shapes built from real DMARs (host), and
# inside Linux on QEMU's VT-d and AMD IOMMU against the shield kernel's own
# placement on the same QEMU configuration, with --save there replayed here.
.PHONY: plan plan-guest
PLAN_GUEST := $(BUILD)/plan-guest
PLAN_TOOL_STATIC := $(PLAN_GUEST)/ioguard
PLAN_INIT := $(PLAN_GUEST)/plan-init
PLAN_INITRAMFS := $(PLAN_GUEST)/initramfs.cpio

plan: $(SAN_TOOL) $(DEPS_STAMP)
	@sh tests/plan/plan.sh $(SAN_TOOL) $(SHARED)/tables/dmar $(BUILD)/plan

$(PLAN_TOOL_STATIC): $(TOOL_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) -static $(CFLAGS) -o $@ $(TOOL_OBJ) $(LIB)

$(PLAN_INIT): tests/guest/plan-init.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -static -O2 $(WARN) -o $@ $<

$(PLAN_INITRAMFS): $(PLAN_INIT) $(PLAN_TOOL_STATIC) scripts/mkinitramfs.py
	$(PYTHON) scripts/mkinitramfs.py $@ $(PLAN_INIT) ioguard=$(PLAN_TOOL_STATIC)

plan-guest: $(KERNEL) $(PLAN_INITRAMFS) $(TOOL) $(DEPS_STAMP) linux
	@sh tests/plan/guest.sh $(KERNEL) $(BUILD)/linux/vmlinuz $(PLAN_INITRAMFS) $(TOOL) \
		$(PLAN_GUEST)

FORMAT_FILES = $(CORE_SRC) $(wildcard src/*/*.h) $(HOSTED_SRC) $(MODEL_SRC) $(wildcard model/*.h) $(filter-out $(EXAMPLE_C),$(TOOL_SRC)) $(wildcard tools/*.h) \
	$(UNIT_SRC) tests/unit/testlib.c tests/unit/testlib.h tests/unit/server.c tests/unit/server.h \
	tests/unit/hostile.c tests/unit/hostile.h $(FUZZ_SRC) $(BENCH_SRC) tests/install/consumer.c \
	include/ioguard/*.h $(wildcard boot/*.c boot/*.h platform/x86/*.c platform/x86/*.h)
FORMAT_FILES += tests/guest/ioguard-check.c tests/guest/plan-init.c tests/install/freestanding.c tests/install/consumer.cc

format:
	clang-format -i $(FORMAT_FILES)

# The code follows .clang-format (clang-format 14, as Debian 12 ships it).
format-check: $(DEPS_STAMP)
	@clang-format --dry-run --Werror $(FORMAT_FILES)
	@echo "format-check: $(words $(FORMAT_FILES)) files follow .clang-format"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
