/*
 * The node twin's UARTs (harness_uart.h): bytes the program sends, gathered per port and told
 * to openpcs; bytes for the program, queued with the cycle each arrives at and fed as the
 * receiver has room; and simavr's UART corrected where it differs from the ATmega1281.
 */
#include "harness_uart.h"

#include <stdlib.h>
#include <string.h>

#include <simavr/avr_uart.h>

#include "harness_pipe.h"

enum { PORTS = 2 };

static avr_t *avr;
static avr_uart_t *uarts[PORTS];
static asker ask;

/* --- UART bytes out, gathered per port ----------------------------------------------------- */

static uint8_t sent[1 + 8 + 1024];
static size_t sent_len;
enum { SENT_HEAD = 9 };

void uart_flush(void)
{
	if (sent_len > SENT_HEAD) {
		put_u64(sent + 1, avr->cycle);
		ask('U', sent, (uint16_t)sent_len);
	}
	sent_len = 0;
}

static void on_uart_output(struct avr_irq_t *irq, uint32_t value, void *param)
{
	(void)irq;
	uint8_t port = (uint8_t)(uintptr_t)param;
	if (sent_len && (sent[0] != port || sent_len == sizeof sent))
		uart_flush();
	if (!sent_len) {
		sent[0] = port;
		sent_len = SENT_HEAD;
	}
	sent[sent_len++] = (uint8_t)value;
}

/* --- UART bytes in: queued with the cycle each may arrive at, fed as the receiver has room */

typedef struct { uint8_t byte; uint64_t at; } timed_byte;
static timed_byte *queue[PORTS];
static size_t queue_len[PORTS], queue_at[PORTS], queue_size[PORTS];

void uart_enqueue(uint8_t port, uint64_t at, const uint8_t *bytes, size_t len)
{
	if (port >= PORTS || !uarts[port])
		return;
	if (queue_len[port] + len > queue_size[port]) {
		size_t size = (queue_len[port] + len) * 2;
		timed_byte *grown = realloc(queue[port], size * sizeof *grown);
		if (!grown)
			exit(4);
		queue[port] = grown;
		queue_size[port] = size;
	}
	for (size_t i = 0; i < len; i++)
		queue[port][queue_len[port]++] = (timed_byte){ bytes[i], at };
}

void uart_feed(void)
{
	for (uint8_t port = 0; port < PORTS; port++) {
		avr_uart_t *u = uarts[port];
		/* one byte at a time, into an empty receive FIFO: never an overrun */
		if (!u || queue_at[port] == queue_len[port] || u->input.read != u->input.write)
			continue;
		if (queue[port][queue_at[port]].at > avr->cycle)
			continue; /* not yet sent by the device */
		if (!avr_regbit_get(avr, u->rxen))
			continue; /* a receiver that is off takes nothing: the bytes wait */
		avr_raise_irq(u->io.irq + UART_IRQ_INPUT, queue[port][queue_at[port]++].byte);
		if (queue_at[port] == queue_len[port])
			queue_at[port] = queue_len[port] = 0;
	}
}

int uart_waiting(void)
{
	return queue_len[0] != queue_at[0] || queue_len[1] != queue_at[1];
}


/* On the ATmega1281 UDREn is one whenever the transmit buffer is empty, whatever TXENn is;
   simavr sets it again only when a byte it sends finishes (docs/twin.md). */
static void after_ucsrb_write(struct avr_t *avr_, avr_io_addr_t addr, uint8_t value, void *param)
{
	(void)addr;
	(void)value;
	avr_uart_t *u = param;
	if (u->tx_cnt == 0) /* nothing in flight: the transmit buffer is empty */
		avr_raise_interrupt(avr_, &u->udrc);
}

void uart_transmitters_off(void)
{
	for (int port = 0; port < PORTS; port++)
		if (uarts[port])
			avr_regbit_clear(avr, uarts[port]->txen);
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

void uart_setup(avr_t *avr_, asker ask_)
{
	avr = avr_;
	ask = ask_;
	for (uint8_t port = 0; port < PORTS; port++)
		set_up_uart(port);
}
