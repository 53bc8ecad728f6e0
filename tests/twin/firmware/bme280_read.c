/* Reads the BME280 at 0x77 as the API's BME280 library does: the chip ID, the trimming
   parameters, a forced measurement at oversampling 1 of temperature, pressure and humidity,
   and Bosch's integer compensation in the MCU's own arithmetic (32-bit long, 64-bit long
   long). Prints "ID 60 T 2150 P 25939180 H 49357" (1/100 degC, Pa * 256, %RH * 1024) and
   sleeps for good. */
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>

#include "console.h"
#include "twi.h"

enum { BME = 0x77 };

int main(void)
{
	console_on();
	TWBR = 66;
	unsigned char id, c[26], h[7], raw[8];
	read_registers(BME, 0xD0, &id, 1);
	read_registers(BME, 0x88, c, 26);
	read_registers(BME, 0xE1, h, 7);
	uint16_t T1 = c[0] | c[1] << 8, P1 = c[6] | c[7] << 8;
	int16_t T2 = (int16_t)(c[2] | c[3] << 8), T3 = (int16_t)(c[4] | c[5] << 8);
	int16_t P[10];
	for (int i = 2; i <= 9; i++)
		P[i] = (int16_t)(c[6 + 2 * (i - 1)] | c[7 + 2 * (i - 1)] << 8);
	unsigned char H1 = c[25], H3 = h[2];
	int16_t H2 = (int16_t)(h[0] | h[1] << 8);
	int16_t H4 = (int16_t)(h[3] << 4 | (h[4] & 0x0F)), H5 = (int16_t)(h[5] << 4 | h[4] >> 4);
	signed char H6 = (signed char)h[6];
	write_register(BME, 0xF2, 0x01);
	write_register(BME, 0xF4, 0x25); /* temperature and pressure x1, forced */
	read_registers(BME, 0xF7, raw, 8);
	long adc_p = ((long)raw[0] << 12) | ((long)raw[1] << 4) | (raw[2] >> 4);
	long adc_t = ((long)raw[3] << 12) | ((long)raw[4] << 4) | (raw[5] >> 4);
	long adc_h = ((long)raw[6] << 8) | raw[7];

	long var1 = ((((adc_t >> 3) - ((long)T1 << 1))) * ((long)T2)) >> 11;
	long var2 = (((((adc_t >> 4) - ((long)T1)) * ((adc_t >> 4) - ((long)T1))) >> 12) *
		((long)T3)) >> 14;
	long t_fine = var1 + var2;
	long temperature = (t_fine * 5 + 128) >> 8;

	long long v1 = ((long long)t_fine) - 128000;
	long long v2 = v1 * v1 * (long long)P[6];
	v2 = v2 + ((v1 * (long long)P[5]) << 17);
	v2 = v2 + (((long long)P[4]) << 35);
	v1 = ((v1 * v1 * (long long)P[3]) >> 8) + ((v1 * (long long)P[2]) << 12);
	v1 = (((((long long)1) << 47) + v1)) * ((long long)P1) >> 33;
	long long p = 1048576 - adc_p;
	p = (((p << 31) - v2) * 3125) / v1;
	v1 = (((long long)P[9]) * (p >> 13) * (p >> 13)) >> 25;
	v2 = (((long long)P[8]) * p) >> 19;
	p = ((p + v1 + v2) >> 8) + (((long long)P[7]) << 4);

	long x = t_fine - 76800L;
	x = (((((adc_h << 14) - (((long)H4) << 20) - (((long)H5) * x)) + 16384L) >> 15) *
		(((((((x * ((long)H6)) >> 10) * (((x * ((long)H3)) >> 11) + 32768L)) >> 10) +
		2097152L) * ((long)H2) + 8192) >> 14));
	x = x - (((((x >> 15) * (x >> 15)) >> 7) * ((long)H1)) >> 4);
	x = x < 0 ? 0 : x;
	x = x > 419430400L ? 419430400L : x;

	put('I'), put('D'), put(' '), hex(id);
	put(' '), put('T'), put(' '), decimal(temperature);
	put(' '), put('P'), put(' '), decimal(p);
	put(' '), put('H'), put(' '), decimal(x >> 12);
	put('\n');
	set_sleep_mode(SLEEP_MODE_PWR_DOWN);
	sleep_mode();
	for (;;) {
	}
}
