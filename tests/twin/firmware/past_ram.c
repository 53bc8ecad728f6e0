/* Reads and writes past the end of SRAM (0x21FF), as a copy of a buffer at the top of the
   stack with a length too large does: the ATmega1281 goes on (the external memory
   interface's addresses answer nothing), and so must the twin. */
#include <avr/io.h>

#include "console.h"

int main(void)
{
	console_on();
	volatile unsigned char *beyond = (volatile unsigned char *)0x2200;
	beyond[0] = 0x5A;
	unsigned char read = beyond[0x100];
	put(read == 0 ? 'o' : '?');
	put('k');
	put('\n');
	for (;;) {
	}
}
