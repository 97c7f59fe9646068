# outreach — build, test, demo.  GNU make.
#
#   make                 build ./outreach
#   make check           every test (unit, spec suites, end-to-end against local servers)
#   make demo            the whole story on a local mail stack
#   make bench           benchmarks (not part of check)
#   make fuzz            libFuzzer targets for a set time each (clang)
#   make install PREFIX=/usr/local
#   make SANITIZE=address,undefined <target>   any target, with sanitizers
#   make DEVELOPER=1     warnings are errors
#
# Object files live in build/<mode>/ so sanitizer and normal builds never mix.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=
VERSION   := 0.1.0

CC        ?= cc
SANITIZE  ?=
DEVELOPER ?=
FUZZ_SECONDS ?= 30

comma     := ,
MODE      := $(if $(SANITIZE),san-$(subst $(comma),-,$(SANITIZE)),default)
BUILD     := build/$(MODE)

PKGS      := libcurl libcmark inih gnutls sqlite3
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libetpan.pc leaks a dpkg specs file into Libs (see README, Building): link it plainly.
# libcsv ships no .pc file.
LIBS      := $(PKG_LIBS) -letpan -lcsv -lm

WARN      := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes \
             -Wmissing-prototypes -Wvla -Wundef -Wcast-qual -Wwrite-strings \
             -Wimplicit-fallthrough -Wno-unused-parameter
OPT       ?= -O2 -g
CFLAGS    ?= $(OPT)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DOUTREACH_VERSION='"$(VERSION)"' $(WARN) \
             $(if $(DEVELOPER),-Werror) $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all) \
             $(PKG_CFLAGS) -Isrc -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE)) $(LDFLAGS)

SRCS      := $(wildcard src/*.c)
OBJS      := $(SRCS:src/%.c=$(BUILD)/%.o)
LIB_OBJS  := $(filter-out $(BUILD)/main.o,$(OBJS))
# The shared base every module may use; unit tests link their module plus these.
BASE      := xalloc buf err log util clock charset
BASE_OBJS := $(BASE:%=$(BUILD)/%.o)

.SECONDARY:
.DELETE_ON_ERROR:
.PHONY: all deps deps-build check check-sanitize check-valgrind unit e2e spec demo bench fuzz install clean distclean FORCE
all: outreach

deps:
	@.ci/deps all
deps-build:
	@.ci/deps build

# ./outreach is the binary of the mode last built; rebuilt whenever the mode's binary differs.
outreach: $(BUILD)/outreach FORCE
	@cmp -s $< $@ || cp $< $@

$(BUILD)/outreach: $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS) $(LIBS)

# A test-only binary with crash and clock hooks compiled in (tests/e2e use it for
# crash/resume); never installed.
$(BUILD)/outreach-hooks: $(SRCS:src/%.c=$(BUILD)/hooks/%.o)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: src/%.c | $(BUILD)/.dir
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(BUILD)/hooks/%.o: src/%.c | $(BUILD)/hooks/.dir
	$(CC) $(ALL_CFLAGS) -DOUTREACH_TEST_HOOKS -c -o $@ $<

%/.dir:
	@mkdir -p $(@D) && touch $@

# ---------------------------------------------------------------- unit tests
# tests/unit/test_<module>.c links <module>.o, the base, and whatever
# tests/unit/test_<module>.mk adds to test_<module>_OBJS (object base names).
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
-include $(wildcard tests/unit/*.mk)

$(BUILD)/tests/%.o: tests/unit/%.c | $(BUILD)/tests/.dir
	$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

.SECONDEXPANSION:
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $$(sort $(BASE_OBJS) $$(if $$(wildcard src/$$*.c),$(BUILD)/$$*.o) $$(addprefix $(BUILD)/,$$(addsuffix .o,$$(test_$$*_OBJS))))
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS) -lcmocka

unit: $(UNIT_BINS)
	@tests/run-unit $(UNIT_BINS)

# ---------------------------------------------------------------- end-to-end
e2e: outreach $(BUILD)/outreach-hooks
	@OUTREACH=$(CURDIR)/$(BUILD)/outreach OUTREACH_HOOKS=$(CURDIR)/$(BUILD)/outreach-hooks \
		tests/run-e2e $(E2E)

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo/run $(CURDIR)/outreach

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/run $(CURDIR)/outreach

# ---------------------------------------------------------------- fuzzing (clang + libFuzzer)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_DIR  := build/fuzz
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
               -fno-sanitize-recover=all -DOUTREACH_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -Isrc
-include $(wildcard tests/fuzz/*.mk)

$(FUZZ_DIR)/obj/%.o: src/%.c | $(FUZZ_DIR)/obj/.dir
	clang $(FUZZ_CFLAGS) -c -o $@ $<
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $$(addprefix $(FUZZ_DIR)/obj/,$$(addsuffix .o,$$(fuzz_$$*_OBJS) $(BASE))) | $(FUZZ_DIR)/.dir
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(filter %.o,$^) $(LIBS)

fuzz-build: $(FUZZ_BINS)
fuzz: deps $(FUZZ_BINS)
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BINS)

# ---------------------------------------------------------------- install
install: outreach
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 outreach $(DESTDIR)$(BINDIR)/outreach
	install -m 0644 man/outreach.1 $(DESTDIR)$(MANDIR)/man1/outreach.1

clean:
	rm -rf build outreach
distclean: clean

-include $(OBJS:.o=.d) $(wildcard $(BUILD)/hooks/*.d) $(wildcard $(BUILD)/tests/*.d)

# embed.c pulls these files in with .incbin
EMBEDDED := templates/outreach.conf templates/observership.md templates/followup-1.md \
            templates/followup-2.md templates/signature.md contacts/attendings.csv \
            templates/attachments/Amina-Rahman-CV.pdf
$(BUILD)/embed.o $(BUILD)/hooks/embed.o $(FUZZ_DIR)/obj/embed.o: $(EMBEDDED)
# rules.c assembles the default classification rules in with .incbin, which -MMD cannot see.
$(BUILD)/rules.o $(BUILD)/hooks/rules.o $(FUZZ_DIR)/obj/rules.o: src/classify.rules

# ---------------------------------------------------------------- checks under sanitizers and valgrind
# Everything once more with AddressSanitizer + UBSan (leaks included), and the unit tests plus
# the end-to-end main paths under valgrind. .ci/run calls both after 'make check'.
VALGRIND_E2E ?= t1010 t1031 t1060 t4001 t4004 t7001 t5000 t5042 t5050 t6010
check-sanitize: deps
	@$(MAKE) --no-print-directory SANITIZE=address,undefined all unit e2e

check-valgrind: deps
	@$(MAKE) --no-print-directory all $(BUILD)/outreach-hooks $(UNIT_BINS)
	@VALGRIND=1 tests/run-unit $(UNIT_BINS)
	@OUTREACH_REAL=$(CURDIR)/$(BUILD)/outreach OUTREACH=$(CURDIR)/tests/tools/valgrind-outreach \
		OUTREACH_HOOKS=$(CURDIR)/$(BUILD)/outreach-hooks tests/run-e2e $(VALGRIND_E2E)
