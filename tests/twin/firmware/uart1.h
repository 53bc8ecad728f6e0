/* UART1 for the test nodes that talk to a device behind its multiplexer: polled bytes out,
   bytes in with a time limit (busy-waiting), and answer lines read until one holds a word. */
#ifndef TWIN_TEST_UART1_H
#define TWIN_TEST_UART1_H

#include <avr/io.h>
#include <string.h>

/* busy-wait iterations in about a millisecond */
#define LOOPS_PER_MS 1200UL

/* the last answer line read */
static char line[160];

static void uart1_byte(char c)
{
	while (!(UCSR1A & _BV(UDRE1))) {
	}
	UDR1 = c;
}

static void uart1_send(const char *text)
{
	while (*text)
		uart1_byte(*text++);
}

/* The next byte received, or -1 when `ms` pass without one. */
static int uart1_receive(unsigned long ms)
{
	for (unsigned long n = ms * LOOPS_PER_MS; n; n--)
		if (UCSR1A & _BV(RXC1))
			return UDR1;
	return -1;
}

/* Lines until one holds `word` (kept in `line`; 1) or is an error (0), or `ms` pass without a
   byte (0). */
static unsigned char expect(const char *word, unsigned long ms)
{
	for (;;) {
		unsigned n = 0;
		for (;;) {
			int c = uart1_receive(ms);
			if (c < 0)
				return 0;
			if (c == '\n')
				break;
			if (c != '\r' && n < sizeof line - 1)
				line[n++] = (char)c;
		}
		line[n] = 0;
		if (strstr(line, word))
			return 1;
		if (strstr(line, "ERROR"))
			return 0;
	}
}

#endif
