/* The real-time clock at 0x68 for the test programs: write registers from a pointer, and
   print the time as "T ss mm hh dd MM yy" (hex, the weekday left out). */
#ifndef TWIN_TEST_RTC_H
#define TWIN_TEST_RTC_H

#include "console.h"
#include "twi.h"

static inline void rtc_write(unsigned char pointer, const unsigned char *values, int count)
{
	start(0x68 << 1);
	send(pointer);
	for (int i = 0; i < count; i++)
		send(values[i]);
	stop();
}

static inline void show_time(void)
{
	start(0x68 << 1);
	send(0);
	start(0x68 << 1 | 1);
	put('T');
	for (int i = 0; i < 7; i++) {
		unsigned char v = receive(i == 6);
		if (i == 3)
			continue; /* the weekday */
		put(' ');
		hex(v);
	}
	stop();
	put('\n');
}

#endif
