/* A node in plain avr-libc that does what the Waspmote API does with the particle matter sensor
   (PM.ON(), PM.getPM(), PM.OFF() in UART mode): powers it (DUST_SENSOR_POWER, PE3), gives UART1
   at 9,600 baud to the multiplexer's AUX2 setting (MUX1_PW PD7 high, MUX1_0 PB6 and MUX1_1 PB7
   low, or with -DWRONG_SETTING socket 1's, both high), sends "AT" until it answers "OK", then
   "AT$200=500,500,2" and "AT$999", and prints one line on the USB console: "A OK V <the sample
   line's first three values> X <the last line of the unknown command's answer>". */
#include <avr/io.h>
#include <string.h>

#include "console.h"
#include "module_uart.h"

int main(void)
{
	console_on();
	UBRR1 = 95; /* 9,600 baud at 14.7456 MHz */
	UCSR1B = _BV(TXEN1) | _BV(RXEN1);
	DDRE |= _BV(3);
	DDRD |= _BV(7);
	DDRB |= _BV(6) | _BV(7);
	PORTE |= _BV(3);
	PORTD |= _BV(7);
#ifdef WRONG_SETTING
	PORTB |= _BV(6) | _BV(7);
#else
	PORTB &= ~(_BV(6) | _BV(7));
#endif
	unsigned char ok = 0;
	for (unsigned char tries = 0; tries < 5 && !ok; tries++) {
		module_send("AT\r");
		ok = expect("OK", 1000);
	}
	print(ok ? "A OK" : "A NO");
	if (ok) {
		module_send("AT$200=500,500,2\r");
		print(" V ");
		if (expect("$200", 3000) && expect(",", 1000)) {
			char *third = line;
			for (unsigned char commas = 0; *third && commas < 3; third++)
				if (*third == ',')
					commas++;
			third[-1] = 0;
			print(line);
		}
		expect("OK", 1000);
		module_send("AT$999\r");
		expect("", 1000);
		print(" X ");
		print(line);
	}
	put('\n');
	PORTE &= ~_BV(3);
	for (;;) {
	}
}
