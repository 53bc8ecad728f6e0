/* Prints UCSR0B as the reset left it and the reset's cause, then lets the watchdog reset the
   MCU (as the API's PWR.reboot does) and prints them again: "b=00 r=.." twice on a chip. */
#include <avr/interrupt.h>
#include <avr/io.h>

#include "console.h"
#include <avr/sleep.h>
#include <avr/wdt.h>

int main(void)
{
	unsigned char at_reset = UCSR0B, cause = MCUSR;
	MCUSR = 0;
	wdt_disable();
	console_on();
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
