/* A program that says which node it is, as an openpcs program does as it starts: "node
   <SERIAL>" (SERIAL defined by the test, 16 hex digits) on UART0 at 115,200 baud, again every
   100 ms or so. */
#define F_CPU 14745600UL
#include <util/delay.h>

#include "console.h"

#ifndef SERIAL
#define SERIAL "0011223344556677"
#endif

int main(void)
{
	console_on();
	for (;;) {
		print("node " SERIAL "\r\n");
		_delay_ms(100);
	}
}
