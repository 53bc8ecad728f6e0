/* A polled I2C master for the test programs: start (with address and R/W), send, receive,
   stop, as plain avr-libc code does it. */
#ifndef TWIN_TEST_TWI_H
#define TWIN_TEST_TWI_H

#include <avr/io.h>
#include <util/twi.h>

static inline unsigned char wait_twi(void)
{
	while (!(TWCR & _BV(TWINT))) {
	}
	return TW_STATUS;
}

static inline unsigned char start(unsigned char address_rw)
{
	TWCR = _BV(TWINT) | _BV(TWSTA) | _BV(TWEN);
	wait_twi();
	TWDR = address_rw;
	TWCR = _BV(TWINT) | _BV(TWEN);
	unsigned char status = wait_twi();
	return status == TW_MT_SLA_ACK || status == TW_MR_SLA_ACK;
}

static inline void send(unsigned char byte)
{
	TWDR = byte;
	TWCR = _BV(TWINT) | _BV(TWEN);
	wait_twi();
}

static inline unsigned char receive(int last)
{
	TWCR = _BV(TWINT) | _BV(TWEN) | (last ? 0 : _BV(TWEA));
	wait_twi();
	return TWDR;
}

static inline void stop(void)
{
	TWCR = _BV(TWINT) | _BV(TWSTO) | _BV(TWEN);
}

#endif
