/* The frames a test node sends as hex text: PAYLOAD (payload.h, written by the test) with its
   sequence number (the byte at SEQUENCE_AT) one up each time; and numbers written in decimal
   into commands. */
#ifndef TWIN_TEST_FRAMES_H
#define TWIN_TEST_FRAMES_H

#include <string.h>

#include "payload.h"

static char digits[2 * sizeof PAYLOAD + 1];

/* The hex text of the next frame. */
static void next_frame(void)
{
	static unsigned char sent;
	const char *hex = "0123456789ABCDEF";
	for (unsigned i = 0; i < sizeof PAYLOAD; i++) {
		unsigned char byte = PAYLOAD[i];
		if (i == SEQUENCE_AT)
			byte = (unsigned char)(byte + sent);
		digits[2 * i] = hex[byte >> 4];
		digits[2 * i + 1] = hex[byte & 15];
	}
	sent++;
}

/* `value` in decimal after `text`. */
static void append_number(char *text, unsigned value)
{
	char reversed[6];
	unsigned char n = 0;
	do {
		reversed[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	text += strlen(text);
	while (n)
		*text++ = reversed[--n];
	*text = 0;
}

#endif
