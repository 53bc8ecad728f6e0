/* Prints UCSR0B as the reset left it and the reset's cause, then lets the watchdog reset the
   MCU (as the API's PWR.reboot does) and prints them again: "b=00 r=.." twice on a chip. */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <avr/wdt.h>

static void put(char c)
{
	while (!(UCSR0A & _BV(UDRE0))) {
	}
	UDR0 = c;
}

static void hex(unsigned char v)
{
	const char *digits = "0123456789abcdef";
	put(digits[v >> 4]);
	put(digits[v & 15]);
}

int main(void)
{
	unsigned char at_reset = UCSR0B, cause = MCUSR;
	MCUSR = 0;
	wdt_disable();
	UBRR0 = 7;
	UCSR0B = _BV(TXEN0);
	put('b');
	put('=');
	hex(at_reset);
	put(' ');
	put('r');
	put('=');
	hex(cause);
	put('\n');
	while (!(UCSR0A & _BV(TXC0))) {
	}
	if (cause & _BV(WDRF)) {
		cli();
		sleep_mode();
	}
	wdt_enable(WDTO_15MS);
	for (;;) {
	}
}
