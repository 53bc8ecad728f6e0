/* What the test nodes with a radio in socket 0 share: the start (USB console on UART0 with
   its receiver, I2C, socket 0's power line PA1 and the UART0 multiplexer line PD5 as
   outputs, the RTC set, INT2 armed for its alarm), the socket on and off, an answer line
   heard on UART0, and the sleep in power-down until the RTC's alarm 1, ten seconds after the
   last. */
#ifndef TWIN_TEST_SOCKET_NODE_H
#define TWIN_TEST_SOCKET_NODE_H

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>

#include "console.h"
#include "rtc.h"

ISR(INT2_vect)
{
}

static inline void node_start(void)
{
	console_on();
	UCSR0B |= _BV(RXEN0);
	TWBR = 66;
	DDRA |= _BV(1);
	DDRD |= _BV(5);
	static const unsigned char set[] = { 0x00, 0x00, 0x12, 0x01, 0x01, 0x06, 0x26 };
	rtc_write(0, set, sizeof set);
	EICRA = _BV(ISC21) | _BV(ISC20);
	EIMSK = _BV(INT2);
	sei();
}

/* Socket 0 powered, UART0 given to it (on) or back to the USB console (off). */
static inline void socket_on(unsigned char on)
{
	if (on) {
		PORTA |= _BV(1);
		PORTD |= _BV(5);
	} else {
		PORTD &= ~_BV(5);
		PORTA &= ~_BV(1);
	}
}

/* the last answer line heard */
static char heard[64];

/* One answer line on UART0, without its CR LF (kept in `heard`). */
static inline const char *hear(void)
{
	unsigned n = 0;
	for (;;) {
		while (!(UCSR0A & _BV(RXC0))) {
		}
		char c = (char)UDR0;
		if (c == '\n')
			break;
		if (c != '\r' && n < sizeof heard - 1)
			heard[n++] = c;
	}
	heard[n] = 0;
	return heard;
}

static inline void sleep_ten_seconds(void)
{
	static unsigned char second;
	second = (unsigned char)((second + 10) % 60);
	unsigned char alarm[] = { (unsigned char)((second / 10) << 4 | second % 10), 0x80, 0x80,
		0x80 };
	rtc_write(0x07, alarm, sizeof alarm);
	unsigned char control[] = { 0x05, 0x00 };
	rtc_write(0x0E, control, sizeof control);
	set_sleep_mode(SLEEP_MODE_PWR_DOWN);
	sleep_mode();
}

#endif
