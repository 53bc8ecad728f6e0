/* Reads ADC0 against the internal 2.56 V reference, as the API reads the battery
   (WaspPWR getBatteryVolts), and prints the count in hex, then sleeps for good. */
#include <avr/io.h>
#include <avr/sleep.h>

#include "console.h"

int main(void)
{
	console_on();
	ADMUX = _BV(REFS1) | _BV(REFS0); /* 2.56 V, ADC0 */
	ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);
	ADCSRA |= _BV(ADSC);
	while (ADCSRA & _BV(ADSC)) {
	}
	unsigned count = ADC;
	hex((unsigned char)(count >> 8));
	hex((unsigned char)count);
	put('\n');
	set_sleep_mode(SLEEP_MODE_PWR_DOWN);
	sleep_mode();
	for (;;) {
	}
}
