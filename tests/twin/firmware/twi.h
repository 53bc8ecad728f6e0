/* A polled I2C master for the test programs: start (with address and R/W), send, receive,
   stop, as plain avr-libc code does it; and register reads and writes made of them. */
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

/* `count` registers of the chip at `chip` from `first` on (address written, repeated start,
   read). */
static inline void read_registers(unsigned char chip, unsigned char first, unsigned char *out,
	unsigned count)
{
	start(chip << 1);
	send(first);
	start(chip << 1 | 1);
	for (unsigned i = 0; i < count; i++)
		out[i] = receive(i + 1 == count);
	stop();
}

static inline void write_register(unsigned char chip, unsigned char address, unsigned char value)
{
	start(chip << 1);
	send(address);
	send(value);
	stop();
}

#endif
