/* A node in plain avr-libc that does what the Waspmote API does with the 4G module in socket 1,
   for a number of cycles: gives UART1 to the socket (MUX1_PW PD7, MUX1_0 PB6 and MUX1_1 PB7
   high), powers the module (GPRS_PW PC3), sends "AT" a second apart until it answers, turns the
   echo off, enters the SIM's PIN, sets the APN and activates the data context; then sends
   PAYLOAD (payload.h, written by the test, with PIN, APN and CA) as hex text four ways, its
   sequence number (the byte at SEQUENCE_AT) one up each time: an HTTP
   GET (AT#HTTPCFG, AT#HTTPQRY, the #HTTPRING URC, AT#HTTPRCV), a TCP socket (AT#SD,
   AT#SSENDEXT, AT#SH), an SMS (AT+CMGS) and an HTTPS GET on a TLS socket after storing the CA
   (AT#SSLEN, AT#SSLSECCFG, AT#SSLSECDATA ending in Ctrl-Z, AT#SSLD, AT#SSLSEND once for each
   piece of the request, AT#SSLRECV, AT#SSLH). It shuts
   the module down (AT#SHDN, GPRS_PW low), prints one line per cycle on the USB console, each
   step's verdict ("P OK I 10.64.12.7 H 200 ok 1 T OK S OK L OK R ok 4") and sleeps in
   power-down until the RTC's alarm 1, ten seconds on. */
#include <avr/io.h>
#include <string.h>

#include "socket_node.h"
#include "module_uart.h"
#include "frames.h"

static char report[160];
/* Characters until the module's '>' prompt. */
static unsigned char prompt(void)
{
	for (;;) {
		int c = module_receive(2000);
		if (c < 0)
			return 0;
		if (c == '>')
			return 1;
		if (c == 'E') /* ERROR */
			return 0;
	}
}

static void note(const char *label, const char *text)
{
	strcat(report, label);
	strcat(report, text);
}

static void verdict(const char *label, unsigned char ok)
{
	note(label, ok ? "OK" : "NO");
}

/* A command, after what the module said before it is dropped (as the API's sendCommand()
   does). */
static void command(const char *text)
{
	while (UCSR1A & _BV(RXC1))
		(void)UDR1;
	module_send(text);
	module_byte('\r');
}

static void socket1_power(unsigned char on)
{
	if (on) {
		PORTD |= _BV(7);
		PORTB |= _BV(6) | _BV(7);
		PORTC |= _BV(3);
	} else {
		PORTC &= ~_BV(3);
		PORTD &= ~_BV(7);
	}
}

static unsigned char module_start(void)
{
	for (unsigned char tries = 0; tries < 15; tries++) {
		command("AT");
		if (expect("OK", 1000))
			return 1;
	}
	return 0;
}

static void http_get(void)
{
	command("AT#HTTPCFG=0,\"gateway.test\",80");
	expect("OK", 2000);
	module_send("AT#HTTPQRY=0,0,\"/getpost_frame_parser.php?frame=");
	module_send(digits);
	command("\"");
	if (!expect("OK", 5000) || !expect("#HTTPRING: 0,", 60000)) {
		note(" H ", "none");
		return;
	}
	char status[4] = { line[13], line[14], line[15], 0 };
	note(" H ", status);
	command("AT#HTTPRCV=0,0");
	expect("<<<", 2000);
	note(" ", line + 3);
}

static void tcp_send(void)
{
	char dial[48];
	command("AT#SD=1,0,9100,\"gateway.test\",0,9100,1");
	unsigned char ok = expect("OK", 5000);
	if (ok) {
		strcpy(dial, "AT#SSENDEXT=1,");
		append_number(dial, sizeof digits - 1);
		command(dial);
		ok = prompt();
		if (ok) {
			module_send(digits);
			ok = expect("OK", 5000);
		}
		command("AT#SH=1");
		expect("OK", 2000);
	}
	verdict(" T ", ok);
}

static void sms_send(void)
{
	command("AT+CMGF=1");
	expect("OK", 500);
	command("AT+CMGS=\"+34600000000\"");
	unsigned char ok = prompt();
	if (ok) {
		module_send(digits);
		module_byte(0x1A);
		ok = expect("OK", 10000);
	}
	verdict(" S ", ok);
}

static void tls_write(const char *text)
{
	command("AT#SSLSEND=1");
	if (prompt()) {
		module_send(text);
		module_byte(0x1A);
		expect("OK", 5000);
	}
}

static void https_get(void)
{
	char store[40] = "AT#SSLSECDATA=1,1,1,";
	append_number(store, sizeof CA - 1);
	command("AT#SSLEN=1,1");
	expect("OK", 500);
	command("AT#SSLSECCFG=1,0,1");
	expect("OK", 500);
	command(store);
	unsigned char ok = prompt();
	if (ok) {
		module_send(CA);
		module_byte(0x1A); /* as manageSSL() and the generated programs end it */
		ok = expect("OK", 5000);
	}
	verdict(" L ", ok);
	command("AT#SSLD=1,443,\"gateway.test\",0,1");
	if (!expect("OK", 15000)) {
		note(" R ", "none");
		return;
	}
	/* the request in pieces, one AT#SSLSEND each, as the generated programs write it */
	tls_write("GET /getpost_frame_parser.php?frame=");
	tls_write(digits);
	tls_write(" HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n\r\n");
	command("AT#SSLRECV=1,490");
	expect("#SSLRECV: ", 5000);
	/* the answer: status line, headers, a blank line, then the body's one line */
	while (expect("", 2000) && line[0] != 0) {
	}
	expect("", 2000);
	note(" R ", line);
	expect("OK", 2000);
	command("AT#SSLH=1");
	expect("OK", 2000);
}

int main(void)
{
	node_start();
	UBRR1 = 7; /* 115,200 baud at 14.7456 MHz */
	UCSR1B = _BV(TXEN1) | _BV(RXEN1);
	DDRD |= _BV(7);
	DDRB |= _BV(6) | _BV(7);
	DDRC |= _BV(3);
	for (;;) {
		report[0] = 0;
		socket1_power(1);
		if (module_start()) {
			command("ATE0");
			expect("OK", 500);
			command("AT+CPIN=\"" PIN "\"");
			verdict("P ", expect("OK", 2000));
			command("AT+CGDCONT=1,\"IP\",\"" APN "\"");
			expect("OK", 2000);
			command("AT#GPRS=1");
			note(" I ", expect("+IP: ", 15000) ? line + 5 : "none");
			expect("OK", 1000);
			next_frame();
			http_get();
			next_frame();
			tcp_send();
			next_frame();
			sms_send();
			next_frame();
			https_get();
			command("AT#SHDN");
			expect("OK", 2000);
		} else {
			note("", "no answer");
		}
		socket1_power(0);
		char *c = report;
		while (*c)
			put(*c++);
		put('\n');
		sleep_ten_seconds();
	}
}
