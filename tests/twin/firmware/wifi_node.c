/* A node in plain avr-libc that does what the Waspmote API does with the WiFi PRO module in
   socket 0, for a number of cycles: powers the socket (PA1) and gives it UART0 (PD5 high),
   sends "AT+i" until it answers, stores the access point (AT+iFD, AT+iWLSI, AT+iWST0=4,
   AT+iWPP0 with ESSID and KEY of payload.h), asks whether it joined (AT+iRP10, the echo then
   I/(4,...)) and its address (AT+iIPA?), then sends the frame of payload.h as hex text two
   ways, its sequence number one up each time: an HTTP GET (AT+iRLNK, answered I/OK, I/<n>, the
   body, I/ONLINE) and a TCP socket (AT+iSTCP, AT+iSSND% with exactly n bytes, AT+iSCLS). It
   gives UART0 back to the USB console, prints one line per cycle ("J 4 A 192.168.1.50 H ok 1 T
   OK") and sleeps in power-down until the RTC's alarm 1, ten seconds on. */
#define MODULE_ON_UART0
#include <avr/io.h>
#include <string.h>

#include "frames.h"
#include "module_uart.h"
#include "socket_node.h"

static char report[96];

static void note(const char *label, const char *text)
{
	strcat(report, label);
	strcat(report, text);
}

static void command(const char *text)
{
	while (UCSR0A & _BV(RXC0))
		(void)UDR0;
	module_send(text);
	module_byte('\r');
}

static unsigned char module_start(void)
{
	for (unsigned char tries = 0; tries < 10; tries++) {
		command("AT+i");
		if (expect("I/OK", 500))
			return 1;
	}
	return 0;
}

static void http_get(void)
{
	module_send("AT+iRLNK=\"http://gateway.test:80/getpost_frame_parser.php?frame=");
	module_send(digits);
	command("\"");
	if (!expect("I/OK", 5000) || !expect("I/", 5000)) {
		note(" H ", "none");
		return;
	}
	expect("", 2000);
	note(" H ", line);
	expect("I/ONLINE", 2000);
}

static void tcp_send(void)
{
	command("AT+iSTCP:gateway.test,9100");
	unsigned char ok = expect("I/0", 5000);
	if (ok) {
		char header[24] = "AT+iSSND%:0,";
		append_number(header, sizeof digits - 1);
		strcat(header, ":");
		module_send(header);
		module_send(digits);
		ok = expect("I/OK", 5000);
		command("AT+iSCLS:0");
		expect("I/OK", 2000);
	}
	note(" T ", ok ? "OK" : "NO");
}

int main(void)
{
	node_start();
	for (;;) {
		report[0] = 0;
		socket_on(1);
		if (module_start()) {
			command("AT+iFD");
			expect("I/OK", 500);
			command("AT+iWLSI=" ESSID);
			expect("I/OK", 500);
			command("AT+iWST0=4");
			expect("I/OK", 500);
			command("AT+iWPP0=" KEY);
			expect("I/OK", 500);
			command("AT+iRP10");
			note("J ", expect("I/(", 500) ? line + 3 : "none");
			report[3] = 0; /* the port status only */
			command("AT+iIPA?");
			expect("AT+iIPA?", 500);
			expect("", 500);
			note(" A ", line);
			next_frame();
			http_get();
			next_frame();
			tcp_send();
		} else {
			note("", "no answer");
		}
		socket_on(0);
		char *c = report;
		while (*c)
			put(*c++);
		put('\n');
		sleep_ten_seconds();
	}
}
