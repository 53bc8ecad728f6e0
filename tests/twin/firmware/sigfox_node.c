/* A node in plain avr-libc that does what the Waspmote API does with a Sigfox module in
   socket 0, for a number of cycles: powers the socket (PA1) and gives it UART0 (PD5 high),
   checks it ("AT", then the region, "ATS304?"), reads its ID ("ATI7"), sends PAYLOAD
   (payload.h, written by the test) as "AT$SF=<hex>" and then a message one byte too long.
   It gives UART0 back to the USB console (PD5 low), prints one line per cycle ("A OK R 1
   I 1A2B3C4D S OK L ERROR": each answer's last line), switches the socket off and sleeps in
   power-down until the RTC's alarm 1, ten seconds on. */
#include <avr/io.h>
#include <string.h>

#include "payload.h"
#include "socket_node.h"

static char line[64];
static char report[96];

/* Read lines until one is "OK" or "ERROR"; keep the last other line in `line`. */
static const char *until_verdict(void)
{
	for (;;) {
		const char *said = hear();
		if (strcmp(said, "OK") == 0 || strcmp(said, "ERROR") == 0)
			return said;
		if (*said)
			strcpy(line, said);
	}
}

static void message(unsigned extra)
{
	const char *digits = "0123456789ABCDEF";
	print("AT$SF=");
	for (unsigned i = 0; i < sizeof PAYLOAD + extra; i++) {
		unsigned char byte = i < sizeof PAYLOAD ? PAYLOAD[i] : 0;
		put(digits[byte >> 4]);
		put(digits[byte & 15]);
	}
	put('\r');
}

static void note(const char *label, const char *text)
{
	strcat(report, label);
	strcat(report, text);
}

int main(void)
{
	node_start();
	for (;;) {
		socket_on(1);
		report[0] = 0;
		print("AT\r");
		note("A ", until_verdict());
		print("ATS304?\r");
		until_verdict();
		note(" R ", line);
		print("ATI7\r");
		until_verdict();
		note(" I ", line);
		message(0);
		note(" S ", until_verdict());
		message(13 - sizeof PAYLOAD);
		note(" L ", until_verdict());
		socket_on(0);
		print(report);
		put('\n');
		sleep_ten_seconds();
	}
}
