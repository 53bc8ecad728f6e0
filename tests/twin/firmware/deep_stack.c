/* A stack that grows into the program's variables, as a large buffer on the stack does: the
   twin's stack guard stops it with the program counter. */
#include <avr/io.h>

volatile unsigned char table[6000]; /* most of the 8 KiB of RAM */

static unsigned descend(unsigned depth)
{
	volatile unsigned char frame[32];
	frame[0] = (unsigned char)depth;
	return frame[0] + descend(depth + 1);
}

int main(void)
{
	table[0] = 1;
	return (int)descend(0);
}
