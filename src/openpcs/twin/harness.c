/*
 * The node twin's harness: runs a Waspmote program (.hex) on simavr's ATmega1281 and tells
 * openpcs, over its standard output, everything the program does that a device would see;
 * its standard input brings what the devices answer. Built by openpcs.twin.harness on first
 * use (gcc, -lsimavr) and run as:
 *
 *     harness PROGRAM.hex FREQUENCY_HZ STACK_LIMIT MAX_CYCLES [EEPROM.bin]
 *
 * EEPROM.bin, when given, is the MCU's EEPROM at start (what the factory wrote there: the
 * boot version the API reads, say), from address 0.
 * STACK_LIMIT is the first RAM address above the program's variables (.data, .bss): a stack
 * pointer below it is a stack that has run into them, and stops the run (0: no guard).
 *
 * Messages both ways: one byte of kind, two bytes of length (little-endian), the payload.
 *   harness -> openpcs  'U' port, bytes...        bytes the program sent on UART0/UART1
 *                       'I' step, byte, cycle (8 LE)  an I2C step; openpcs answers 'A' at once:
 *                           'a' address byte (7-bit address << 1 | read): answer 1 to ACK
 *                           'w' data byte written: answer 1 to ACK
 *                           'r' address byte: answer the byte read
 *                           'p' a stop: no answer
 *                       'S' code, pc (4 LE), cycle (8 LE), text   the run stopped; then exit 0
 *   openpcs -> harness  'U' port, bytes...        bytes for the program to receive
 *                       'A' byte                      the answer to an I2C step
 * Stop codes: 'L' cycle limit, 'G' stack guard, 'C' crashed, 'D' the program stopped.
 *
 * Where simavr differs from the ATmega1281 it is corrected here (docs/twin.md): the UART
 * transmitters are off after reset and UDREn is set whenever no byte is in flight; addresses
 * past SRAM (the external memory interface's) do not stop the run.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <simavr/avr_eeprom.h>
#include <simavr/avr_twi.h>
#include <simavr/avr_uart.h>
#include <simavr/sim_avr.h>
#include <simavr/sim_hex.h>
#include <simavr/sim_io.h>

enum { PORTS = 2, CHECK_EVERY = 4096, FLASH_LIMIT = 0x20000 };

static avr_t *avr;
static avr_uart_t *uarts[PORTS];

/* --- output: whole messages, written in batches ------------------------------------------ */

static uint8_t out_buf[1 << 16];
static size_t out_len;

static void flush_out(void)
{
	size_t done = 0;
	while (done < out_len) {
		ssize_t n = write(STDOUT_FILENO, out_buf + done, out_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			exit(3); /* openpcs went away: nobody to tell */
		done += (size_t)n;
	}
	out_len = 0;
}

static void send_message(uint8_t kind, const uint8_t *payload, uint16_t len)
{
	if (out_len + 3u + len > sizeof out_buf)
		flush_out();
	out_buf[out_len++] = kind;
	out_buf[out_len++] = (uint8_t)(len & 0xff);
	out_buf[out_len++] = (uint8_t)(len >> 8);
	memcpy(out_buf + out_len, payload, len);
	out_len += len;
}

/* --- UART bytes out, gathered per port ----------------------------------------------------- */

static uint8_t sent[1 + 1024];
static size_t sent_len;

static void flush_sent(void)
{
	if (sent_len > 1)
		send_message('U', sent, (uint16_t)sent_len);
	sent_len = 0;
}

static void on_uart_output(struct avr_irq_t *irq, uint32_t value, void *param)
{
	(void)irq;
	uint8_t port = (uint8_t)(uintptr_t)param;
	if (sent_len && (sent[0] != port || sent_len == sizeof sent))
		flush_sent();
	if (!sent_len)
		sent[sent_len++] = port;
	sent[sent_len++] = (uint8_t)value;
}

/* --- UART bytes in: queued, fed as the receiver has room -------------------------------- */

static uint8_t *queue[PORTS];
static size_t queue_len[PORTS], queue_at[PORTS], queue_size[PORTS];

static void enqueue(uint8_t port, const uint8_t *bytes, size_t len)
{
	if (port >= PORTS || !uarts[port])
		return;
	if (queue_len[port] + len > queue_size[port]) {
		size_t size = (queue_len[port] + len) * 2;
		uint8_t *grown = realloc(queue[port], size);
		if (!grown)
			exit(4);
		queue[port] = grown;
		queue_size[port] = size;
	}
	memcpy(queue[port] + queue_len[port], bytes, len);
	queue_len[port] += len;
}

static void feed(void)
{
	for (uint8_t port = 0; port < PORTS; port++) {
		avr_uart_t *u = uarts[port];
		/* one byte at a time, into an empty receive FIFO: never an overrun */
		if (!u || queue_at[port] == queue_len[port] || u->input.read != u->input.write)
			continue;
		if (!avr_regbit_get(avr, u->rxen))
			continue; /* a receiver that is off takes nothing: the bytes wait */
		avr_raise_irq(u->io.irq + UART_IRQ_INPUT, queue[port][queue_at[port]++]);
		if (queue_at[port] == queue_len[port])
			queue_at[port] = queue_len[port] = 0;
	}
}

/* --- input messages from openpcs ------------------------------------------------------------ */

static uint8_t in_buf[1 << 16];
static size_t in_len;
static int in_open = 1;
static int answer = -1; /* the answer to the I2C step asked, once it has come */

/* Take in one read's worth of bytes (blocking or not); 0 when the input is closed. */
static int take_input(void)
{
	ssize_t n;
	do
		n = read(STDIN_FILENO, in_buf + in_len, sizeof in_buf - in_len);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		in_open = 0; /* no more input: the program runs on with what it has */
		return 0;
	}
	in_len += (size_t)n;
	size_t at = 0;
	while (in_len - at >= 3) {
		size_t len = in_buf[at + 1] | (size_t)in_buf[at + 2] << 8;
		if (in_len - at < 3 + len)
			break;
		if (in_buf[at] == 'U' && len >= 1)
			enqueue(in_buf[at + 3], in_buf + at + 4, len - 1);
		else if (in_buf[at] == 'A' && len == 1)
			answer = in_buf[at + 3];
		at += 3 + len;
	}
	memmove(in_buf, in_buf + at, in_len - at);
	in_len -= at;
	if (in_len == sizeof in_buf)
		exit(5); /* a message larger than the buffer: not one openpcs sends */
	return 1;
}

static void read_input(void)
{
	struct pollfd fd = { .fd = STDIN_FILENO, .events = POLLIN };
	while (in_open && poll(&fd, 1, 0) > 0 && take_input()) {
	}
}

/* --- I2C: each step asked of openpcs, which answers for the device at that address ------- */

static avr_irq_t *twi_input;
static avr_twi_t *twi;

static int ask_i2c(uint8_t step, uint8_t byte)
{
	uint8_t payload[2 + 8];
	payload[0] = step;
	payload[1] = byte;
	for (int i = 0; i < 8; i++)
		payload[2 + i] = (uint8_t)(avr->cycle >> (8 * i));
	flush_sent();
	send_message('I', payload, sizeof payload);
	flush_out();
	if (step == 'p')
		return 0;
	answer = -1;
	while (answer < 0)
		if (!take_input())
			exit(6); /* openpcs went away in the middle of a bus transaction */
	return answer;
}

static void on_twi_output(struct avr_irq_t *irq, uint32_t value, void *param)
{
	(void)irq;
	(void)param;
	avr_twi_msg_irq_t message = { .u.v = value };
	uint8_t msg = message.u.twi.msg, addr = message.u.twi.addr;
	if (msg & TWI_COND_STOP)
		ask_i2c('p', 0);
	if (msg & (TWI_COND_START | TWI_COND_ADDR)) { /* simavr sends the address with START */
		if (ask_i2c('a', addr))
			avr_raise_irq(twi_input, avr_twi_irq_msg(TWI_COND_ACK, addr, 1));
	} else if (msg & TWI_COND_WRITE) {
		if (ask_i2c('w', message.u.twi.data))
			avr_raise_irq(twi_input, avr_twi_irq_msg(TWI_COND_ACK, addr, 1));
	} else if (msg & TWI_COND_READ) {
		avr_raise_irq(twi_input, avr_twi_irq_msg(TWI_COND_READ, addr, (uint8_t)ask_i2c('r', addr)));
		/* simavr opens its read latch when the program reads TWDR and never closes it, so
		   every later TWCR write with TWINT set asks for another byte (the API's
		   twi_send_ack writes TWCR twice a byte, and one byte in two was lost). The chip
		   receives one byte per TWDR read: the latch closes here. */
		if (twi)
			twi->state &= ~TWI_COND_READ;
	}
}

static void set_up_twi(void)
{
	avr_irq_t *output = avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_OUTPUT);
	twi_input = avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_INPUT);
	if (output && twi_input)
		avr_irq_register_notify(output, on_twi_output, NULL);
	for (avr_io_t *io = avr->io_port; io; io = io->next)
		if (io->kind && !strcmp(io->kind, "twi"))
			twi = (avr_twi_t *)io;
}

/* --- stopping ------------------------------------------------------------------------------ */

static void stop(uint8_t code, const char *text)
{
	uint8_t payload[1 + 4 + 8 + 200];
	size_t len = 0;
	uint32_t pc = avr->pc;
	uint64_t cycle = avr->cycle;
	payload[len++] = code;
	for (int i = 0; i < 4; i++)
		payload[len++] = (uint8_t)(pc >> (8 * i));
	for (int i = 0; i < 8; i++)
		payload[len++] = (uint8_t)(cycle >> (8 * i));
	size_t text_len = strlen(text);
	if (text_len > 200)
		text_len = 200;
	memcpy(payload + len, text, text_len);
	len += text_len;
	flush_sent();
	send_message('S', payload, (uint16_t)len);
	flush_out();
	exit(0);
}

/* --- where simavr differs from the ATmega1281 --------------------------------------------- */

static void after_ucsrb_write(struct avr_t *avr_, avr_io_addr_t addr, uint8_t value, void *param)
{
	(void)addr;
	(void)value;
	avr_uart_t *u = param;
	if (u->tx_cnt == 0) /* nothing in flight: the transmit buffer is empty */
		avr_raise_interrupt(avr_, &u->udrc);
}

static void sleep_costs_nothing(struct avr_t *avr_, avr_cycle_count_t how_long)
{
	(void)avr_;
	(void)how_long; /* simavr advances the clock itself; the host need not wait */
}

/* simavr's reset leaves what the ATmega1281's does not: the transmitters on (a debugging
   convenience) and SP at its own RAM end (0xFFFF here, see main). Put right after each reset. */
enum { SRAM_END = 0x21FF };
static int reset_pending;
static void (*core_reset)(struct avr_t *avr_);

static void as_the_chip_resets(void)
{
	avr->data[R_SPL] = SRAM_END & 0xff;
	avr->data[R_SPH] = SRAM_END >> 8;
	for (int port = 0; port < PORTS; port++)
		if (uarts[port])
			avr_regbit_clear(avr, uarts[port]->txen);
	reset_pending = 0;
}

static void on_reset(struct avr_t *avr_)
{
	if (core_reset)
		core_reset(avr_);
	reset_pending = 1; /* the IO modules reset after this: corrected after the next step */
}

static avr_uart_t *find_uart(char name)
{
	for (avr_io_t *io = avr->io_port; io; io = io->next)
		if (io->kind && !strcmp(io->kind, "uart") && ((avr_uart_t *)io)->name == name)
			return (avr_uart_t *)io;
	return NULL;
}

static void set_up_uart(uint8_t port)
{
	avr_uart_t *u = find_uart((char)('0' + port));
	if (!u)
		return;
	uarts[port] = u;
	uint32_t flags = 0; /* no host sleep on polls, no console printing by simavr */
	avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS((char)('0' + port)), &flags);
	avr_register_io_write(avr, u->r_ucsrb, after_ucsrb_write, u);
	avr_irq_register_notify(u->io.irq + UART_IRQ_OUTPUT, on_uart_output, (void *)(uintptr_t)port);
}

/* --- main ---------------------------------------------------------------------------------- */

static int load_eeprom(const char *path)
{
	static uint8_t image[4096];
	FILE *file = fopen(path, "rb");
	if (!file)
		return -1;
	size_t size = fread(image, 1, sizeof image, file);
	fclose(file);
	avr_eeprom_desc_t desc = { .ee = image, .offset = 0, .size = (uint32_t)size };
	avr_ioctl(avr, AVR_IOCTL_EEPROM_SET, &desc); /* simavr 1.6 answers -1 even when it did */
	return 0;
}

static int load(const char *path)
{
	ihex_chunk_p chunks = NULL;
	int count = read_ihex_chunks(path, &chunks);
	if (count <= 0)
		return -1;
	int loaded = 0;
	for (int i = 0; i < count; i++) {
		if (chunks[i].baseaddr + chunks[i].size <= FLASH_LIMIT) {
			avr_loadcode(avr, chunks[i].data, chunks[i].size, chunks[i].baseaddr);
			loaded = 1;
		}
		free(chunks[i].data);
	}
	free(chunks);
	return loaded ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: %s PROGRAM.hex FREQUENCY_HZ STACK_LIMIT MAX_CYCLES [EEPROM.bin]\n",
			argv[0]);
		return 2;
	}
	avr = avr_make_mcu_by_name("atmega1281");
	/* Addresses past the 8 KiB of SRAM are the external memory interface's: the ATmega1281
	   reads and writes them without a fault, where simavr stops the run. The space is given
	   memory (what is written there is kept, where the node's bus would float), so a program
	   that reads a buffer past the end of RAM runs on as on the node. */
	if (avr)
		avr->ramend = 0xFFFF;
	if (!avr || avr_init(avr) != 0) {
		fprintf(stderr, "simavr has no atmega1281\n");
		return 2;
	}
	avr->frequency = (uint32_t)strtoul(argv[2], NULL, 10);
	avr->sleep = sleep_costs_nothing;
	avr->log = LOG_NONE;
	if (load(argv[1]) != 0) {
		fprintf(stderr, "%s: not an Intel HEX program for the ATmega1281\n", argv[1]);
		return 2;
	}
	if (argc == 6 && load_eeprom(argv[5]) != 0) {
		fprintf(stderr, "%s: the EEPROM image cannot be read\n", argv[5]);
		return 2;
	}
	unsigned long stack_limit = strtoul(argv[3], NULL, 0);
	unsigned long long max_cycles = strtoull(argv[4], NULL, 10);
	for (uint8_t port = 0; port < PORTS; port++)
		set_up_uart(port);
	set_up_twi();
	core_reset = avr->reset;
	avr->reset = on_reset;
	as_the_chip_resets();

	/* The guard watches once the program has set its stack above the limit. A function's
	   prologue writes SPH, then SREG, then SPL: in between, SP can read up to 255 bytes low.
	   Only a stack pointer below the limit for more steps than that takes is an overflow. */
	int armed = 0, low_steps = 0;
	for (unsigned long step = 1;; step++) {
		int state = avr_run(avr);
		if (reset_pending)
			as_the_chip_resets();
		if (state == cpu_Done)
			stop('D', "the program stopped (sleep with interrupts off)");
		if (state == cpu_Crashed)
			stop('C', "the MCU crashed");
		if (stack_limit) {
			unsigned sp = avr->data[R_SPL] | (unsigned)avr->data[R_SPH] << 8;
			if (sp >= stack_limit)
				armed = 1, low_steps = 0;
			else if (armed && ++low_steps > 3)
				stop('G', "the stack ran into the program's variables");
		}
		if (avr->cycle >= max_cycles)
			stop('L', "the cycle limit was reached");
		if (step % CHECK_EVERY == 0) {
			flush_sent();
			flush_out();
			read_input();
		}
		if (queue_len[0] || queue_len[1])
			feed();
	}
}
