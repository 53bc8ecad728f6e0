/* Reads the Gases PRO probe in socket A as the API's Gas class does, in the MCU's own float
   arithmetic: drives the socket's enable line (PF6) high (unless -DNO_ENABLE), reads the
   EEPROM at 0x50 (version, sensor type, sensitivity, checksum, baseline), checks the LMP91000
   at 0x48 is ready (status bit 0), sets its gain (TIACN 0x16: 35 kOhm), reference (REFCN 0xB0:
   1024 mV) and mode, averages four 16-bit conversions of the MCP3421 at 0x69 (raw/16 mV) and
   computes ((V - Vref) / Rgain - baseline / 1000) * 1000 / sensitivity ppm, without temperature
   compensation or, with -DCELSIUS=<t>, with the API's for that temperature (CO's rows); with
   -DREDUCING the current's sign turned, as the API does for NO2, Cl2 and O2 sensors (and
   NO2's compensation rows). Prints "V 3 T <the sensor type: 1 CO, 9 NO2> K OK R 1 C <ppm *
   1000, rounded>" and sleeps for good. */
#include <avr/io.h>
#include <avr/sleep.h>
#include <string.h>

#include "console.h"
#include "twi.h"

#ifdef CELSIUS
/* The API's temperature compensation for its CO sensor (type 1; NO2_SS_CLE, type 9, with
   -DREDUCING), in the MCU's floats: the
   sensitivity row at -20, 0, 20, 40, 50 degC (its 0..20 segment measured from 20, as the API
   does) and the baseline row at -20, 20, 40, 50 degC. */
static float sensitivity_factor(float t)
{
#ifdef REDUCING
	const float s[5] = { 0.8f, 0.8f, 1.0f, 1.1f, 1.25f }; /* NO2_SS_CLE */
#else
	const float s[5] = { 0.7f, 0.9f, 1.0f, 1.09f, 1.0f };
#endif
	float v;
	if (t < 0)
		v = s[0] + ((s[1] - s[0]) / 40) * (t - -20);
	else if (t < 20)
		v = s[1] + ((s[2] - s[1]) / 20) * (t - 20);
	else if (t < 40)
		v = s[2] + ((s[3] - s[2]) / 20) * (t - 20);
	else
		v = s[3] + ((s[4] - s[3]) / 10) * (t - 40);
	return 1 / v;
}

static float baseline_offset(float t)
{
#ifdef REDUCING
	const float b[4] = { 0.1f, 0.0f, -0.5f, -1.7f }; /* NO2_SS_CLE */
#else
	const float b[4] = { -0.3f, 0.0f, 0.0f, -0.3f };
#endif
	if (t < 20)
		return b[0] + ((b[1] - b[0]) / 40) * (t - (-20));
	if (t < 40)
		return b[1] + ((b[2] - b[1]) / 20) * (t - 20);
	return b[2] + ((b[3] - b[2]) / 10) * (t - 40);
}
#endif

int main(void)
{
	console_on();
	TWBR = 50;
	DDRF |= _BV(6) | _BV(7);
	PORTF &= ~_BV(7); /* the probe's power, on when low */
#ifndef NO_ENABLE
	PORTF |= _BV(6);
#endif
	unsigned char info[12];
	read_registers(0x50, 0x00, info, 2);
	read_registers(0x50, 0x02, info + 2, 4);
	read_registers(0x50, 0x06, info + 6, 1);
	read_registers(0x50, 0x08, info + 8, 4);
	float sensitivity, baseline;
	memcpy(&sensitivity, info + 2, 4);
	memcpy(&baseline, info + 8, 4);
	unsigned char checksum = info[0] ^ info[1] ^ info[2] ^ info[3] ^ info[4] ^ info[5];
	print("V ");
	decimal(info[0]);
	print(" T ");
	decimal(info[1]);
	print(checksum == info[6] ? " K OK" : " K NO");
	unsigned char status;
	read_registers(0x48, 0x00, &status, 1);
	print(" R ");
	decimal(status & 1);
	write_register(0x48, 0x10, 0x16);
	write_register(0x48, 0x11, 0xB0);
	write_register(0x48, 0x12, 0x03);
	float total = 0;
	for (unsigned char i = 0; i < 4; i++) {
		start(0x69 << 1);
		send(0x88);
		stop();
		unsigned char code[3];
		start(0x69 << 1 | 1);
		for (unsigned char k = 0; k < 3; k++)
			code[k] = receive(k == 2);
		stop();
		total += (float)(code[0] * 256 + code[1]) / 16;
	}
	float volts = total / 4;
	unsigned char back[2];
	read_registers(0x48, 0x10, back, 2);
	float zero = (back[1] & 0x80 ? 2048.0f : 3300.0f) * 0.5f;
	float gain = ((back[0] >> 2) & 7) == 5 ? 35.0f : 0.0f;
	float conc = (volts - zero) / gain;
	conc -= baseline / 1000;
#ifdef REDUCING
	conc = -conc; /* the API turns the sign of a reducing sensor's current (NO2, Cl2, O2) */
#endif
#ifdef CELSIUS
	conc *= sensitivity_factor(CELSIUS);
	conc = (conc * 1000) / sensitivity;
	conc -= baseline_offset(CELSIUS);
#else
	conc = conc * 1000 / sensitivity;
#endif
	print(" C ");
	decimal((long)(conc * 1000 + (conc < 0 ? -0.5f : 0.5f)));
	put('\n');
	set_sleep_mode(SLEEP_MODE_PWR_DOWN);
	sleep_mode();
	for (;;) {
	}
}
