/* A node in plain avr-libc that does what the Waspmote API does with the JP/KR (ABZ) LoRaWAN
   module in socket 0, for a number of cycles: powers the socket (PA1) and gives it UART0 (PD5
   high); asks "sys get ver" as the API first does (the module does not answer it), then
   "at+dev?"; on the first cycle sets it up from its factory state ("at+facnew", then, unless
   NO_BAND, "at+band=0" and "at+dwell=0,0" for AS923, the AppEUI and AppKey); each cycle joins
   OTAA ("at+mode=1", "at+join") and sends PAYLOAD (payload.h, written by the test) as an
   unconfirmed uplink on port 3 ("at+putx 3,<hex digits>" CR, then the digits). Then it gives
   UART0 back to the USB console, prints one line per cycle ("D +OK=ABZ-093 J +EVENT=1,1 T +OK
   C +OK=1,0": the module, the join's event, the uplink's answer, "at+frmcnt?"), switches the
   socket off and sleeps until the RTC's alarm, ten seconds on. */
#include <avr/io.h>
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "socket_node.h"

/* An AT command, ended by CR as the API ends them. */
static void command(const char *text)
{
	print(text);
	put('\r');
}

static void uplink(void)
{
	static char start[24];
	sprintf(start, "at+putx 3,%u", (unsigned)(2 * sizeof PAYLOAD));
	command(start);
	for (unsigned i = 0; i < sizeof PAYLOAD; i++) {
		const char *digits = "0123456789ABCDEF";
		put(digits[PAYLOAD[i] >> 4]);
		put(digits[PAYLOAD[i] & 15]);
	}
}

int main(void)
{
	node_start();
	unsigned char first = 1;
	static char report[96];
	static char device[16];
	static char join[16];
	static char sent[16];
	for (;;) {
		socket_on(1);
		print("sys get ver\r\n");
		command("at+dev?");
		strcpy(device, hear());
		if (first) {
			command("at+facnew");
			hear();
			hear();
			hear();
#ifndef NO_BAND
			command("at+band=0");
			hear();
			hear();
			command("at+dwell=0,0");
			hear();
#endif
			command("at+appeui=70B3D57ED0001234");
			hear();
			command("at+appkey=000102030405060708090A0B0C0D0E0F");
			hear();
			first = 0;
		}
		command("at+mode=1");
		hear();
		command("at+join");
		hear();
		strcpy(join, hear());
		uplink();
		strcpy(sent, hear());
		command("at+frmcnt?");
		hear();
		socket_on(0);
		strcpy(report, "D ");
		strcat(report, device);
		strcat(report, " J ");
		strcat(report, join);
		strcat(report, " T ");
		strcat(report, sent);
		strcat(report, " C ");
		strcat(report, heard);
		print(report);
		put('\n');
		sleep_ten_seconds();
	}
}
