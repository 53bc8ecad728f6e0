/* The certificate defect, in plain avr-libc: a program whose variables take most of the RAM
   (as a Waspmote program's do) installs a CA certificate (CERTIFICATE in certificate.h,
   written by the test). Built as it was, it copies the certificate from flash into a buffer
   on the stack first (strcpy_P), which runs into the variables; built with STREAMED, it
   sends the certificate byte by byte from flash, as the fixed program does. Either way it
   prints the certificate's length in hex and stops. */
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <string.h>

#include "certificate.h"
#include "console.h"

volatile unsigned char variables[VARIABLES]; /* what the rest of the program keeps in RAM */

static unsigned install(void)
{
#ifdef STREAMED
	unsigned length = 0;
	for (unsigned char c; (c = pgm_read_byte(&CERTIFICATE[length])) != 0; length++)
		variables[length % VARIABLES] ^= c; /* to the radio, byte by byte */
	return length;
#else
	char certificate[sizeof CERTIFICATE];
	strcpy_P(certificate, CERTIFICATE);
	unsigned length = strlen(certificate);
	for (unsigned i = 0; i < length; i++)
		variables[i % VARIABLES] ^= (unsigned char)certificate[i];
	return length;
#endif
}

int main(void)
{
	console_on();
	variables[0] = 1;
	unsigned length = install();
	hex((unsigned char)(length >> 8));
	hex((unsigned char)length);
	put('\n');
	set_sleep_mode(SLEEP_MODE_PWR_DOWN);
	sleep_mode();
	for (;;) {
	}
}
