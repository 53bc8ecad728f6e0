/* Reads the TSL2561 at 0x39 as the API's TSL2561 library does: the ID register (written
   without the command bit, as the API's check does), the timing register (TIMING: 0x02 by
   default, 402 ms and gain 1x, the API's outdoor setting; bits 0-1 the integration time, bit 4
   the 16x gain), power up, the API's wait for that integration (14, 105 or 420 ms; EARLY:
   none), both channels as one word read from 0x0C (command and word bits), power down; then
   the datasheet's integer lux calculation in the MCU's own 32-bit arithmetic, scaled for the
   integration time and gain as calculateLux() does. Prints "ID 0A F 1234 I 308 L 350" and
   sleeps for good. */
#define F_CPU 14745600UL
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>
#include <util/delay.h>

#include "console.h"
#include "twi.h"

#ifndef TIMING
#define TIMING 0x02
#endif

enum { LUX = 0x39, COMMAND = 0x80, WORD = 0x20 };

static const uint16_t segments[][3] = {
	{ 0x0040, 0x01f2, 0x01be }, { 0x0080, 0x0214, 0x02d1 }, { 0x00c0, 0x023f, 0x037b },
	{ 0x0100, 0x0270, 0x03fe }, { 0x0138, 0x016f, 0x01fc }, { 0x019a, 0x00d2, 0x00fb },
	{ 0x029a, 0x0018, 0x0012 },
};

int main(void)
{
	console_on();
	TWBR = 66;
	unsigned char id;
	read_registers(LUX, 0x0A, &id, 1);
	write_register(LUX, COMMAND | 0x00, 0x03);
	write_register(LUX, COMMAND | 0x01, TIMING);
	write_register(LUX, COMMAND | 0x00, 0x00);
	write_register(LUX, COMMAND | 0x00, 0x03);
#if defined(EARLY)
#elif (TIMING & 3) == 0
	_delay_ms(14);
#elif (TIMING & 3) == 1
	_delay_ms(105);
#else
	_delay_ms(420);
#endif
	unsigned char counts[4];
	read_registers(LUX, COMMAND | WORD | 0x0C, counts, 4);
	write_register(LUX, COMMAND | 0x00, 0x00);
	unsigned long full = (unsigned)counts[1] << 8 | counts[0];
	unsigned long ir = (unsigned)counts[3] << 8 | counts[2];
	unsigned long scale = (TIMING & 3) == 0 ? 0x7517UL : (TIMING & 3) == 1 ? 0x0FE7UL : 1UL << 10;
	if (!(TIMING & 0x10))
		scale <<= 4;
	unsigned long channel0 = (full * scale) >> 10;
	unsigned long channel1 = (ir * scale) >> 10;
	unsigned long ratio1 = channel0 ? (channel1 << 10) / channel0 : 0;
	unsigned long ratio = (ratio1 + 1) >> 1;
	unsigned long b = 0, m = 0;
	for (unsigned i = 0; i < sizeof segments / sizeof segments[0]; i++) {
		if (ratio <= segments[i][0]) {
			b = segments[i][1];
			m = segments[i][2];
			break;
		}
	}
	unsigned long lux = ((channel0 * b) - (channel1 * m) + (1UL << 13)) >> 14;
	print("ID ");
	put("0123456789ABCDEF"[id >> 4]);
	put("0123456789ABCDEF"[id & 15]);
	print(" F ");
	decimal(full);
	print(" I ");
	decimal(ir);
	print(" L ");
	decimal(lux);
	put('\n');
	set_sleep_mode(SLEEP_MODE_PWR_DOWN);
	sleep_mode();
}
