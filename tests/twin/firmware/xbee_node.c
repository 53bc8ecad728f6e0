/* A node in plain avr-libc that does what the Waspmote API does with an XBee 802.15.4 in
   socket 0, for two cycles: powers the socket (PA1) and gives it UART0 (PD5 high), sets the
   channel and writes the settings (AT frames, API mode 2), sends PAYLOAD (payload.h, written
   by the test) to a 64-bit address (0x00 request) and reads the status (0x89); then gives
   UART0 back to the USB console (PD5 low), prints "AT xx xx TX xx" (the statuses), switches
   the socket off and sleeps in power-down until the RTC's alarm 1 (ten seconds on). */
#include <avr/io.h>

#include "payload.h"
#include "socket_node.h"

static const unsigned char destination[8] = { 0x00, 0x13, 0xA2, 0x00, 0x41, 0x33, 0x47, 0x1A };

static void raw(unsigned char byte, unsigned char escape)
{
	if (escape && (byte == 0x7E || byte == 0x7D || byte == 0x11 || byte == 0x13)) {
		put(0x7D);
		byte ^= 0x20;
	}
	put((char)byte);
}

/* One API frame: 0x7E, length, data (with the frame type), checksum; escaped after 0x7E. */
static void frame(const unsigned char *head, unsigned head_len, const unsigned char *tail,
	unsigned tail_len)
{
	unsigned length = head_len + tail_len;
	unsigned char sum = 0;
	raw(0x7E, 0);
	raw((unsigned char)(length >> 8), 1);
	raw((unsigned char)length, 1);
	for (unsigned i = 0; i < head_len; i++)
		raw(head[i], 1), sum += head[i];
	for (unsigned i = 0; i < tail_len; i++)
		raw(tail[i], 1), sum += tail[i];
	raw((unsigned char)(0xFF - sum), 1);
}

static unsigned char get(void)
{
	while (!(UCSR0A & _BV(RXC0))) {
	}
	unsigned char byte = UDR0;
	if (byte == 0x7D) {
		while (!(UCSR0A & _BV(RXC0))) {
		}
		byte = UDR0 ^ 0x20;
	}
	return byte;
}

/* Read one answer frame; the status byte at `at` in its data. */
static unsigned char answer(unsigned at)
{
	while (get() != 0x7E) {
	}
	unsigned length = (unsigned)get() << 8;
	length |= get();
	unsigned char status = 0xEE;
	for (unsigned i = 0; i < length + 1; i++) {
		unsigned char byte = get();
		if (i == at)
			status = byte;
	}
	return status;
}

static unsigned char at_command(char a, char b, const unsigned char *value, unsigned len)
{
	unsigned char head[4] = { 0x08, 0x52, (unsigned char)a, (unsigned char)b };
	frame(head, sizeof head, value, len);
	return answer(4);
}

int main(void)
{
	node_start();
	for (;;) {
		socket_on(1);
		static const unsigned char channel[] = { 0x0C };
		unsigned char ch = at_command('C', 'H', channel, 1);
		unsigned char wr = at_command('W', 'R', 0, 0);
		unsigned char head[11] = { 0x00, 0x01 };
		for (int i = 0; i < 8; i++)
			head[2 + i] = destination[i];
		frame(head, sizeof head, PAYLOAD, sizeof PAYLOAD);
		unsigned char tx = answer(2);
		socket_on(0);
		put('A'), put('T'), put(' '), hex(ch), put(' '), hex(wr);
		put(' '), put('T'), put('X'), put(' '), hex(tx), put('\n');
		sleep_ten_seconds();
	}
}
