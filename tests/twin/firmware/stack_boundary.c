/* Frames that move the stack pointer across a 256-byte boundary (SPH is written before SPL,
   so for two instructions SP reads up to 255 bytes low): prints each frame's SP in hex, the
   deepest last. */
#include <avr/interrupt.h>
#include <avr/io.h>

#include "console.h"
#include <avr/sleep.h>

static void show(unsigned v)
{
	const char *digits = "0123456789abcdef";
	for (int shift = 12; shift >= 0; shift -= 4)
		put(digits[(v >> shift) & 15]);
	put('\n');
}

__attribute__((noinline)) static unsigned inner(unsigned char n)
{
	volatile unsigned char frame[64];
	frame[0] = n;
	show(SP);
	return frame[0];
}

__attribute__((noinline)) static unsigned outer(void)
{
	volatile unsigned char pad[216];
	pad[0] = 1;
	show(SP);
	return pad[0] + inner(3);
}

int main(void)
{
	console_on();
	show(SP);
	outer();
	while (!(UCSR0A & _BV(TXC0))) {
	}
	cli();
	sleep_mode();
	return 0;
}
