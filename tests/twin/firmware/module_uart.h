/* The UART a test node talks to its device on (UART1, or UART0 with -DMODULE_ON_UART0):
   polled bytes out, bytes in with a time limit (busy-waiting), and answer lines read until one
   holds a word. */
#ifndef TWIN_TEST_MODULE_UART_H
#define TWIN_TEST_MODULE_UART_H

#include <avr/io.h>
#include <string.h>

#ifdef MODULE_ON_UART0
#define MODULE_STATUS UCSR0A
#define MODULE_DATA UDR0
#define MODULE_READY UDRE0
#define MODULE_RECEIVED RXC0
#else
#define MODULE_STATUS UCSR1A
#define MODULE_DATA UDR1
#define MODULE_READY UDRE1
#define MODULE_RECEIVED RXC1
#endif

/* busy-wait iterations in about a millisecond */
#define LOOPS_PER_MS 1200UL

/* the last answer line read */
static char line[160];

static void module_byte(char c)
{
	while (!(MODULE_STATUS & _BV(MODULE_READY))) {
	}
	MODULE_DATA = c;
}

static void module_send(const char *text)
{
	while (*text)
		module_byte(*text++);
}

/* The next byte received, or -1 when `ms` pass without one. */
static int module_receive(unsigned long ms)
{
	for (unsigned long n = ms * LOOPS_PER_MS; n; n--)
		if (MODULE_STATUS & _BV(MODULE_RECEIVED))
			return MODULE_DATA;
	return -1;
}

/* Lines until one holds `word` (kept in `line`; 1) or is an error (0), or `ms` pass without a
   byte (0). */
static unsigned char expect(const char *word, unsigned long ms)
{
	for (;;) {
		unsigned n = 0;
		for (;;) {
			int c = module_receive(ms);
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
