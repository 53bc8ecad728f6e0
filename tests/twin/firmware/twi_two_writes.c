/* Reads the clock as the Waspmote API's TWI driver does: after each byte it reads TWDR, then
   sets TWEA and TWINT in two writes of TWCR (twi_send_ack). On the chip that is one byte per
   TWDR read; prints "R ss mm hh" (hex) for the seconds, minutes and hours read. */
#include <avr/io.h>
#include <util/twi.h>

#include "console.h"

static void wait_twi(void)
{
	while (!(TWCR & _BV(TWINT))) {
	}
}

int main(void)
{
	console_on();
	TWBR = 66;
	TWCR = _BV(TWINT) | _BV(TWSTA) | _BV(TWEN); /* the pointer: register 0 */
	wait_twi();
	TWDR = 0x68 << 1;
	TWCR = _BV(TWINT) | _BV(TWEN);
	wait_twi();
	TWDR = 0;
	TWCR = _BV(TWINT) | _BV(TWEN);
	wait_twi();
	TWCR = _BV(TWINT) | _BV(TWSTA) | _BV(TWEN); /* repeated start, read */
	wait_twi();
	TWDR = 0x68 << 1 | 1;
	TWCR = _BV(TWINT) | _BV(TWEN) | _BV(TWEA);
	wait_twi();
	TWCR |= _BV(TWEA); /* the first byte, as twi_send_ack asks for it */
	TWCR |= _BV(TWINT) | _BV(TWEN);
	put('R');
	for (int i = 0; i < 3; i++) {
		wait_twi();
		unsigned char v = TWDR;
		if (i < 2) {
			TWCR |= _BV(TWEA);
			TWCR |= _BV(TWINT) | _BV(TWEN);
		}
		put(' ');
		hex(v);
	}
	TWCR = _BV(TWINT) | _BV(TWSTO) | _BV(TWEN);
	put('\n');
	for (;;) {
	}
}
