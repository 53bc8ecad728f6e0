/* Sleeps in power-down three times, woken each time by the clock's alarm 1 on INT2 (the
   line a Waspmote v15's RTC raises), as the Waspmote API's deep sleep does: sets the clock,
   sets alarm 1 to match a second four seconds on, enables its interrupt, sleeps. After each
   wake it prints the time read and how many Timer0 overflows came while it slept (none: the
   timer stops in power-down), clears the alarm flag, and sleeps again. Then it sleeps with
   no alarm set: nothing wakes it.
   Lines: "T ss mm hh dd MM yy", then "W i o" (i: INT2 interrupts so far, o: overflows). */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>

#include "rtc.h"

static volatile unsigned char woken, overflows;

ISR(INT2_vect)
{
	woken++;
}

ISR(TIMER0_OVF_vect)
{
	overflows++;
}

static unsigned char bcd(unsigned char v)
{
	return (unsigned char)((v / 10) << 4 | v % 10);
}

int main(void)
{
	console_on();
	TWBR = 66;
	static const unsigned char set[] = { 0x50, 0x59, 0x23, 0x01, 0x31, 0x12, 0x26 };
	rtc_write(0, set, sizeof set); /* 2026-12-31 23:59:50 */
	TCCR0B = _BV(CS02) | _BV(CS00); /* Timer0 at clk/1024: an overflow every 17.8 ms */
	TIMSK0 = _BV(TOIE0);
	EICRA = _BV(ISC21) | _BV(ISC20); /* INT2 on a rising edge */
	EIMSK = _BV(INT2);
	sei();
	unsigned char second = 50;
	for (int i = 0; i < 3; i++) {
		second = (unsigned char)((second + 4) % 60);
		unsigned char alarm[] = { bcd(second), 0x80, 0x80, 0x80 }; /* seconds match */
		rtc_write(0x07, alarm, sizeof alarm);
		unsigned char control[] = { 0x05, 0x00 }; /* INTCN, A1IE; flags cleared */
		rtc_write(0x0E, control, sizeof control);
		overflows = 0;
		set_sleep_mode(SLEEP_MODE_PWR_DOWN);
		sleep_mode();
		unsigned char during = overflows;
		show_time();
		put('W');
		put(' ');
		hex(woken);
		put(' ');
		hex(during);
		put('\n');
	}
	unsigned char off[] = { 0x04, 0x00 }; /* no alarm enabled */
	rtc_write(0x0E, off, sizeof off);
	set_sleep_mode(SLEEP_MODE_PWR_DOWN);
	sleep_mode();
	put('X');
	for (;;) {
	}
}
