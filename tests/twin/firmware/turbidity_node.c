/* A node in plain avr-libc that does what the Waspmote API does with the Smart Water turbidity
   sensor (turbidityClass ON(), getTurbidity()): powers it (PWR_TURBIDITY, PF4), sets UART1 at
   9,600 baud to the multiplexer's AUX1 setting, writes 0x001F to register 0x01 of slave 40
   (Modbus RTU function 0x10, CRC-16 by avr-libc's _crc16_update), reads 11 holding registers
   from 0x52 (function 0x03) and takes the float in the 4th and 5th (high word first). With
   -DSKIP_MEASURE it reads without asking for a measurement; with -DBAD_CRC the read's CRC is
   wrong. Prints "W <the write's echo, lowercase hex> R <bytes of the read's answer> T <NTU * 100>". */
#include <avr/io.h>
#include <string.h>
#include <util/crc16.h>

#include "console.h"
#include "module_uart.h"

/* The request with its CRC sent; the answer's bytes (up to `size`) in `answer`, counted. */
static unsigned char transact(unsigned char *request, unsigned char length, unsigned char *answer,
	unsigned char size)
{
	unsigned crc = 0xFFFF;
	for (unsigned char i = 0; i < length; i++)
		crc = _crc16_update(crc, request[i]);
	request[length] = (unsigned char)(crc & 0xFF);
	request[length + 1] = (unsigned char)(crc >> 8);
#ifdef BAD_CRC
	if (request[1] == 0x03)
		request[length] ^= 0xFF;
#endif
	for (unsigned char i = 0; i < length + 2; i++)
		module_byte((char)request[i]);
	unsigned char n = 0;
	int c;
	while (n < size && (c = module_receive(n ? 20 : 300)) >= 0)
		answer[n++] = (unsigned char)c;
	return n;
}

int main(void)
{
	console_on();
	UBRR1 = 95; /* 9,600 baud at 14.7456 MHz */
	UCSR1B = _BV(TXEN1) | _BV(RXEN1);
	DDRF |= _BV(4);
	DDRD |= _BV(7);
	DDRB |= _BV(6) | _BV(7);
	PORTF |= _BV(4);
	PORTD |= _BV(7);
	PORTB |= _BV(6);
	PORTB &= ~_BV(7);
	unsigned char answer[40];
	print("W ");
#ifndef SKIP_MEASURE
	unsigned char write[16] = { 40, 0x10, 0x00, 0x01, 0x00, 0x01, 0x02, 0x00, 0x1F };
	unsigned char n = transact(write, 9, answer, 8);
	for (unsigned char i = 0; i < n; i++)
		hex(answer[i]);
#endif
	unsigned char read[8] = { 40, 0x03, 0x00, 0x52, 0x00, 0x0B };
	unsigned char got = transact(read, 6, answer, sizeof answer);
	print(" R ");
	decimal(got);
	float ntu = 0;
	if (got >= 3 + 22) {
		unsigned char bytes[4] = { answer[3 + 2 * 4 + 1], answer[3 + 2 * 4], answer[3 + 2 * 3 + 1],
			answer[3 + 2 * 3] };
		memcpy(&ntu, bytes, 4);
	}
	print(" T ");
	decimal((long)(ntu * 100 + 0.5f));
	put('\n');
	for (;;) {
	}
}
