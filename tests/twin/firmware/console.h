/* UART0 as the test programs' console: polled output of characters, text, hex and decimal
   numbers. */
#ifndef TWIN_TEST_CONSOLE_H
#define TWIN_TEST_CONSOLE_H

#include <avr/io.h>

static inline void put(char c)
{
	while (!(UCSR0A & _BV(UDRE0))) {
	}
	UDR0 = c;
}

static inline void hex(unsigned char v)
{
	const char *digits = "0123456789abcdef";
	put(digits[v >> 4]);
	put(digits[v & 15]);
}

static inline void print(const char *text)
{
	while (*text)
		put(*text++);
}

static inline void decimal(long long value)
{
	char digits[24];
	int n = 0;
	if (value < 0)
		put('-'), value = -value;
	do
		digits[n++] = (char)('0' + value % 10);
	while ((value /= 10) > 0);
	while (n)
		put(digits[--n]);
}

static inline void console_on(void)
{
	UBRR0 = 7; /* 115,200 baud at 14.7456 MHz */
	UCSR0B = _BV(TXEN0);
}

#endif
