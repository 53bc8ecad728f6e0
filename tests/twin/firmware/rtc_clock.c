/* Sets the real-time clock at 0x68, reads it back at once and three seconds later, and asks
   for a chip at 0x50 that is not there; prints what it found on UART0, one line each:
   "T ss mm hh dd MM yy" (hex), and "N 50" when 0x50 did not answer. */
#include <avr/io.h>

#include "console.h"
#include <util/twi.h>

static unsigned char wait_twi(void)
{
	while (!(TWCR & _BV(TWINT))) {
	}
	return TW_STATUS;
}

static unsigned char start(unsigned char address_rw)
{
	TWCR = _BV(TWINT) | _BV(TWSTA) | _BV(TWEN);
	wait_twi();
	TWDR = address_rw;
	TWCR = _BV(TWINT) | _BV(TWEN);
	unsigned char status = wait_twi();
	return status == TW_MT_SLA_ACK || status == TW_MR_SLA_ACK;
}

static void send(unsigned char byte)
{
	TWDR = byte;
	TWCR = _BV(TWINT) | _BV(TWEN);
	wait_twi();
}

static unsigned char receive(int last)
{
	TWCR = _BV(TWINT) | _BV(TWEN) | (last ? 0 : _BV(TWEA));
	wait_twi();
	return TWDR;
}

static void stop(void)
{
	TWCR = _BV(TWINT) | _BV(TWSTO) | _BV(TWEN);
}

static void show_time(void)
{
	start(0x68 << 1);
	send(0);
	start(0x68 << 1 | 1);
	put('T');
	for (int i = 0; i < 7; i++) {
		unsigned char v = receive(i == 6);
		if (i == 3)
			continue; /* the weekday */
		put(' ');
		hex(v);
	}
	stop();
	put('\n');
}

int main(void)
{
	console_on();
	TWBR = 66; /* 100 kHz at 14.7456 MHz */
	static const unsigned char set[] = { 0x58, 0x59, 0x10, 0x07, 0x06, 0x12, 0x26 };
	start(0x68 << 1);
	send(0);
	for (int i = 0; i < 7; i++)
		send(set[i]);
	stop();
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
