/* A node in plain avr-libc that does what the Waspmote API does with an RN2483 in socket 0,
   for a number of cycles: powers the socket (PA1) and gives it UART0 (PD5 high), checks the
   module ("sys get ver"); on the first cycle sets it up from its factory state and joins OTAA
   (then "mac save" keeps the session), on later cycles resumes the saved session ("mac join
   abp"); sends PAYLOAD (payload.h, written by the test) as an unconfirmed uplink on port 3;
   with SAVE_AFTER_TX keeps the module's counters ("mac save", as the API's send functions
   do), without it loses them with the socket's power (the frame counter defect). Then it
   gives UART0 back to the USB console (PD5 low), prints one line per cycle ("V1 J accepted
   T mac_tx_ok U 1": the version check, the join, the uplink's answer, "mac get upctr"),
   switches the socket off and sleeps in power-down until the RTC's alarm 1, ten seconds on. */
#include <avr/io.h>
#include <string.h>

#include "payload.h"
#include "socket_node.h"

static void say(const char *text)
{
	while (*text)
		put(*text++);
	put('\r');
	put('\n');
}

static void uplink(void)
{
	print("mac tx uncnf 3 ");
	for (unsigned i = 0; i < sizeof PAYLOAD; i++) {
		const char *digits = "0123456789ABCDEF";
		put(digits[PAYLOAD[i] >> 4]);
		put(digits[PAYLOAD[i] & 15]);
	}
	put('\r');
	put('\n');
}

int main(void)
{
	node_start();
	unsigned char first = 1;
	static char report[80];
	for (;;) {
		socket_on(1);
		say("sys get ver");
		char version = strncmp(hear(), "RN2483", 6) == 0 ? '1' : '0';
		static char join[16];
		if (first) {
			say("sys factoryRESET");
			hear();
			say("mac set deveui 0004A30B001C0530");
			hear();
			say("mac set appeui 70B3D57ED0001234");
			hear();
			say("mac set appkey 000102030405060708090A0B0C0D0E0F");
			hear();
			say("mac join otaa");
			hear();
			strcpy(join, hear());
			say("mac save");
			hear();
			first = 0;
		} else {
			say("mac join abp");
			hear();
			strcpy(join, hear());
		}
		uplink();
		hear();
		static char sent[16];
		strcpy(sent, hear());
#ifdef SAVE_AFTER_TX
		say("mac save");
		hear();
#endif
		say("mac get upctr");
		hear();
		socket_on(0);
		strcpy(report, "V");
		report[1] = version;
		report[2] = 0;
		strcat(report, " J ");
		strcat(report, join);
		strcat(report, " T ");
		strcat(report, sent);
		strcat(report, " U ");
		strcat(report, heard);
		print(report);
		put('\n');
		sleep_ten_seconds();
	}
}
