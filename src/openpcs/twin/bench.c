/*
 * The upload bench: a program (a serial bootloader, say) run on simavr's ATmega1281 in real
 * time with UART0 on a pseudo-terminal, as a node on its USB port. Opening the port resets
 * the MCU, as the USB chip's DTR line does on a node; a pseudo-terminal has no DTR, so the
 * bench watches the port being opened. Built by openpcs.twin.bench on first use (gcc,
 * -lsimavr) and run as:
 *
 *     bench PROGRAM.hex RESET_ADDRESS FREQUENCY_HZ FLASH_DUMP
 *
 * RESET_ADDRESS is the flash byte address the MCU starts at after a reset (a bootloader's
 * section, as the BOOTRST fuse makes it; 0: the application). The bench prints
 * "pty <path>" on its standard output once the port is there, "heard <µs>" when the first
 * byte from the host after a reset arrives (MCU time since the reset: a bootloader's first
 * command has to come within its listening window), and takes commands on its standard
 * input, one per line:
 *   reset   reset the MCU now ("reset" answered)
 *   dump    write the whole flash (128 KiB) to FLASH_DUMP ("dumped" answered)
 *   quit    stop (also at the end of the input)
 * The MCU's clock is kept at the wall clock's pace: a bootloader's listening window lasts as
 * long as on the node (longer only when the host cannot keep up).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <simavr/sim_avr.h>

#include "harness_chip.h"
#include "harness_load.h"
#include "harness_uart.h"

enum { CHECK_EVERY = 2048, FLASH_BYTES = CHIP_FLASH_LIMIT };

static avr_t *avr;
static int master = -1;
static uint32_t reset_address;

/* --- the port: UART0's bytes to it, its bytes to UART0 ------------------------------------ */

/* whether a program on the host holds the port open */
static int held;

/* What the program sent ('U' port, cycle, bytes): UART0's go to the port while a program on
   the host holds it open; otherwise (or when it is full) they are lost, as on a USB chip with
   no host reading. */
static void to_port(uint8_t kind, const uint8_t *payload, uint16_t len)
{
	if (kind != 'U' || len < 9 || payload[0] != 0 || !held)
		return;
	ssize_t written = write(master, payload + 9, len - 9u);
	(void)written;
}

static int open_port(void)
{
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
		return -1;
	const char *name = ptsname(master);
	if (!name)
		return -1;
	/* raw from the start: no echo, no line editing of the bytes the program sends before a
	   program on the host sets the port up */
	int slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return -1;
	struct termios raw;
	if (tcgetattr(slave, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(slave, TCSANOW, &raw);
	}
	close(slave);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	printf("pty %s\n", name);
	fflush(stdout);
	return 0;
}

static avr_cycle_count_t reset_at;
static int heard_since_reset;
/* the MCU stopped (a crash, a sleep with nothing to wake it): it runs again after a reset */
static int halted;

static void reset_mcu(void)
{
	avr->reset_pc = reset_address;
	avr_reset(avr);
	avr->pc = reset_address;
	avr->state = cpu_Running;
	halted = 0;
	reset_at = avr->cycle;
	heard_since_reset = 0;
}

/* Someone opened the port (the master no longer hangs up): the MCU resets, as a node's does
   when its USB chip raises DTR. Then what they wrote goes to UART0. */
static void serve_port(void)
{
	struct pollfd watch = { .fd = master, .events = POLLIN };
	if (poll(&watch, 1, 0) < 0)
		return;
	int now_held = !(watch.revents & POLLHUP);
	if (now_held && !held)
		reset_mcu();
	held = now_held;
	if (!held)
		return;
	uint8_t bytes[512];
	ssize_t got = read(master, bytes, sizeof bytes);
	if (got <= 0)
		return;
	if (!heard_since_reset) {
		heard_since_reset = 1;
		printf("heard %llu\n", (unsigned long long)((avr->cycle - reset_at) * 1000000.0 /
			avr->frequency));
		fflush(stdout);
	}
	uart_enqueue(0, avr->cycle, bytes, (size_t)got);
}

/* --- commands ------------------------------------------------------------------------------- */

static int dump_flash(const char *path)
{
	FILE *file = fopen(path, "wb");
	if (!file)
		return -1;
	size_t written = fwrite(avr->flash, 1, FLASH_BYTES, file);
	return fclose(file) == 0 && written == FLASH_BYTES ? 0 : -1;
}

/* One command if a whole line is there; 1 when the bench is to stop. */
static int serve_commands(const char *dump_path)
{
	static char line[64];
	static size_t len;
	struct pollfd watch = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&watch, 1, 0) <= 0)
		return 0;
	char c;
	ssize_t got = read(STDIN_FILENO, &c, 1);
	if (got <= 0)
		return 1; /* the end of the input */
	if (c != '\n') {
		if (len < sizeof line - 1)
			line[len++] = c;
		return 0;
	}
	line[len] = 0;
	len = 0;
	if (!strcmp(line, "reset")) {
		reset_mcu();
		puts("reset");
	} else if (!strcmp(line, "dump")) {
		puts(dump_flash(dump_path) == 0 ? "dumped" : "error: the flash cannot be written");
	} else if (!strcmp(line, "quit")) {
		return 1;
	} else {
		printf("error: no command %s\n", line);
	}
	fflush(stdout);
	return 0;
}

/* --- the clock at the wall clock's pace ------------------------------------------------------ */

static struct timespec started;

/* Wait while the MCU is ahead of the wall clock, a millisecond at most at a time: the port
   and the commands are looked at between two waits. */
static void keep_pace(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t wall_ns = (int64_t)(now.tv_sec - started.tv_sec) * 1000000000 +
		(now.tv_nsec - started.tv_nsec);
	int64_t mcu_ns = (int64_t)(avr->cycle * 1000000000.0 / avr->frequency);
	int64_t ahead = mcu_ns - wall_ns;
	if (ahead > 200000) {
		struct timespec pause = { .tv_sec = 0, .tv_nsec = ahead < 1000000 ? ahead : 1000000 };
		nanosleep(&pause, NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s PROGRAM.hex RESET_ADDRESS FREQUENCY_HZ FLASH_DUMP\n",
			argv[0]);
		return 2;
	}
	avr = chip_make((uint32_t)strtoul(argv[3], NULL, 10));
	if (!avr) {
		fprintf(stderr, "simavr has no atmega1281\n");
		return 2;
	}
	if (load_program(avr, argv[1], FLASH_BYTES) != 0) {
		fprintf(stderr, "%s: not an Intel HEX program for the ATmega1281\n", argv[1]);
		return 2;
	}
	reset_address = (uint32_t)strtoul(argv[2], NULL, 0);
	if (reset_address >= FLASH_BYTES) {
		fprintf(stderr, "%s: not a flash address\n", argv[2]);
		return 2;
	}
	uart_setup(avr, to_port);
	if (open_port() != 0) {
		fprintf(stderr, "no pseudo-terminal: %s\n", strerror(errno));
		return 2;
	}
	reset_mcu();
	clock_gettime(CLOCK_MONOTONIC, &started);
	for (;;) {
		for (int step = 0; step < CHECK_EVERY && !halted; step++) {
			int state = avr_run(avr);
			chip_after_step();
			if (state == cpu_Crashed || state == cpu_Done) {
				/* what a program written over USB does is its own affair (random bytes
				   run into what simavr cannot run): the MCU waits for the next reset */
				fprintf(stderr, "the MCU stopped at 0x%05x\n", (unsigned)avr->pc);
				halted = 1;
			}
			if (uart_waiting())
				uart_feed();
		}
		if (halted)
			avr->cycle += CHECK_EVERY; /* its clock runs on */
		uart_flush();
		serve_port();
		if (serve_commands(argv[4]))
			return 0;
		keep_pace();
	}
}
