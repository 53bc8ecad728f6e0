/* UART1 answers each line it receives in capitals, then the program stops (sleep with
   interrupts off): what a radio model will do with the firmware's commands. */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>

static void put(unsigned char c)
{
	while (!(UCSR1A & _BV(UDRE1))) {
	}
	UDR1 = c;
}

int main(void)
{
	UBRR1 = 7;
	UCSR1B = _BV(RXEN1) | _BV(TXEN1);
	for (;;) {
		while (!(UCSR1A & _BV(RXC1))) {
		}
		unsigned char c = UDR1;
		if (c == '.')
			break;
		put(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	while (!(UCSR1A & _BV(TXC1))) {
	}
	cli();
	sleep_mode();
	return 0;
}
