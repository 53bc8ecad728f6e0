/* Sets the real-time clock at 0x68, reads it back at once and three seconds later, and asks
   for a chip at 0x50 that is not there; prints what it found on UART0, one line each:
   "T ss mm hh dd MM yy" (hex), and "N 50" when 0x50 did not answer. */
#include <avr/io.h>

#include "rtc.h"

int main(void)
{
	console_on();
	TWBR = 66; /* 100 kHz at 14.7456 MHz */
	static const unsigned char set[] = { 0x58, 0x59, 0x10, 0x07, 0x06, 0x12, 0x26 };
	rtc_write(0, set, sizeof set);
	show_time();
	for (volatile unsigned long i = 0; i < 1500000UL; i++) { /* about three seconds */
	}
	show_time();
	if (!start(0x50 << 1)) {
		put('N');
		put(' ');
		hex(0x50);
		put('\n');
	}
	stop();
	for (;;) {
	}
}
