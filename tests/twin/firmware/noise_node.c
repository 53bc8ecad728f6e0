/* A node in plain avr-libc that does what the Waspmote API does with the Smart Cities PRO's
   noise sensor (noise.configure(), noise.getSPLA(SLOW_MODE)): opens UART1 at 115,200 baud,
   sets the multiplexer to AUX1 (MUX1_PW PD7 and MUX1_0 PB6 high, MUX1_1 PB7 low; with
   -DWRONG_SETTING AUX2's, both low), sends "ATSLOW" with no line end, waits for "OK" and reads
   the next line; prints "N OK <the line>" (or "N NO") on the USB console. */
#include <avr/io.h>
#include <string.h>

#include "console.h"
#include "module_uart.h"

int main(void)
{
	console_on();
	UBRR1 = 7; /* 115,200 baud at 14.7456 MHz */
	UCSR1B = _BV(TXEN1) | _BV(RXEN1);
	DDRD |= _BV(7);
	DDRB |= _BV(6) | _BV(7);
	PORTD |= _BV(7);
#ifdef WRONG_SETTING
	PORTB &= ~(_BV(6) | _BV(7));
#else
	PORTB |= _BV(6);
	PORTB &= ~_BV(7);
#endif
	module_send("ATSLOW");
	if (expect("OK", 5000) && expect(".", 100)) {
		print("N OK ");
		print(line);
	} else {
		print("N NO");
	}
	put('\n');
	for (;;) {
	}
}
