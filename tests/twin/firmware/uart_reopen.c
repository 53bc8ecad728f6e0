/* The Waspmote API turns UART0's transmitter off (closeSerial) before it first opens it
   (beginSerial) and prints: the twin must let the print through, as the ATmega1281 does. */
#include <avr/io.h>

static void put(const char *text)
{
	for (; *text; text++) {
		while (!(UCSR0A & _BV(UDRE0))) {
		}
		UDR0 = *text;
	}
}

int main(void)
{
	UCSR0B &= ~(_BV(RXEN0) | _BV(TXEN0)); /* closeSerial(0) */
	UBRR0 = 7;                             /* beginSerial(115200, 0) */
	UCSR0B |= _BV(RXEN0);
	UCSR0B |= _BV(TXEN0);
	UCSR0B |= _BV(RXCIE0);
	put("booted\r\n");
	for (volatile unsigned i = 0; i < 20000; i++) { /* every byte out: the line idle */
	}
	UCSR0B &= ~(_BV(RXEN0) | _BV(TXEN0)); /* handed to a socket, and back */
	UCSR0B |= _BV(RXEN0) | _BV(TXEN0);
	put("again\r\n");
	for (;;) {
	}
}
