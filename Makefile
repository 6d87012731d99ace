# chat-listen / chat-connect
VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANPREFIX = $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2
WARN = -std=c11 -Wall -Wextra -Wpedantic
DEFS = -D_POSIX_C_SOURCE=200809L -DVERSION=\"$(VERSION)\"

# make SANITIZE=1: AddressSanitizer + UndefinedBehaviorSanitizer build
ifeq ($(SANITIZE),1)
SAN = -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# a sanitizer report exits 86, which no test expects
export ASAN_OPTIONS = exitcode=86:detect_leaks=1
export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1:exitcode=86
export CHAT_SANITIZE = 1
endif

COMMON = src/acl.o src/addr.o src/bridge.o src/buf.o src/cli.o src/filter.o src/log.o \
	src/loop.o src/net.o src/num.o src/outfd.o src/sig.o src/stdfd.o src/sys.o \
	src/usock.o
ROOM = src/irc.o src/line.o src/msgq.o src/room.o src/roomirc.o
IRCC = src/irc.o src/ircc.o src/line.o src/msgq.o src/proxy.o
BINS = bin/chat-listen bin/chat-connect

all: $(BINS)

bin/chat-listen: src/chat-listen.o $(COMMON) $(ROOM)
	@mkdir -p bin
	$(CC) $(LDFLAGS) $(SAN) -o $@ src/chat-listen.o $(COMMON) $(ROOM)

bin/chat-connect: src/chat-connect.o $(COMMON) $(IRCC)
	@mkdir -p bin
	$(CC) $(LDFLAGS) $(SAN) -o $@ src/chat-connect.o $(COMMON) $(IRCC)

.c.o:
	$(CC) $(WARN) $(DEFS) $(CPPFLAGS) $(CFLAGS) $(SAN) -c -o $@ $<

$(COMMON) $(ROOM) $(IRCC) src/chat-listen.o src/chat-connect.o: src/*.h Makefile .build-flags

# rebuild everything when the flags change (e.g. SANITIZE=1 after a plain build)
.build-flags: FORCE
	@echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(LDFLAGS)' | cmp -s - $@ || echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(LDFLAGS)' > $@

test: all
	tests/run

sanitize:
	$(MAKE) SANITIZE=1 test

# static binaries that run on any Linux box: musl-gcc where installed
# (Debian: musl-tools), else $(CC) with glibc's static libc
static: clean
	$(MAKE) CC="$$(command -v musl-gcc || echo $(CC))" LDFLAGS="$(LDFLAGS) -static"

bench: all
	bench/run

COMPDIR_BASH = $(PREFIX)/share/bash-completion/completions
COMPDIR_ZSH = $(PREFIX)/share/zsh/site-functions
COMPDIR_FISH = $(PREFIX)/share/fish/vendor_completions.d
TOOLS = chat-listen chat-connect

# fuzzing (libFuzzer, clang) and the analysers; scripts say what they need
fuzz:
	tests/fuzz/run

lint:
	tests/lint

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 \
		$(DESTDIR)$(COMPDIR_BASH) $(DESTDIR)$(COMPDIR_ZSH) $(DESTDIR)$(COMPDIR_FISH)
	cp -f $(BINS) bin/chat-tmux $(DESTDIR)$(BINDIR)/
	for t in $(TOOLS) chat-tmux; do chmod 755 $(DESTDIR)$(BINDIR)/$$t; done
	for t in $(TOOLS) chat-tmux; do \
		sed 's/@VERSION@/$(VERSION)/g' man/$$t.1 > $(DESTDIR)$(MANPREFIX)/man1/$$t.1; \
		chmod 644 $(DESTDIR)$(MANPREFIX)/man1/$$t.1; \
		cp -f completions/$$t.bash $(DESTDIR)$(COMPDIR_BASH)/$$t; \
		cp -f completions/_$$t $(DESTDIR)$(COMPDIR_ZSH)/_$$t; \
		cp -f completions/$$t.fish $(DESTDIR)$(COMPDIR_FISH)/$$t.fish; \
	done

uninstall:
	for t in $(TOOLS) chat-tmux; do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANPREFIX)/man1/$$t.1 \
			$(DESTDIR)$(COMPDIR_BASH)/$$t $(DESTDIR)$(COMPDIR_ZSH)/_$$t \
			$(DESTDIR)$(COMPDIR_FISH)/$$t.fish; \
	done

clean:
	rm -f $(BINS) src/*.o .build-flags

.PHONY: all test sanitize static bench fuzz lint install uninstall clean FORCE
