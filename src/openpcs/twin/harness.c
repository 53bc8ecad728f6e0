/*
 * The node twin's harness: runs a Waspmote program (.hex) on simavr's ATmega1281 and tells
 * openpcs, over its standard output, everything the program does that a device would see;
 * its standard input brings what the devices answer. Built by openpcs.twin.harness on first
 * use (gcc, -lsimavr) and run as:
 *
 *     harness PROGRAM.hex FREQUENCY_HZ STACK_LIMIT MAX_CYCLES MARK [EEPROM.bin]
 *
 * MARK is a flash byte address (0: none) told each time the program gets there ('M'): the
 * start of the program's loop(), whose every call is one of the node's cycles.
 * EEPROM.bin, when given, is the MCU's EEPROM at start (what the factory wrote there: the
 * boot version the API reads, say), from address 0.
 * STACK_LIMIT is the first RAM address above the program's variables (.data, .bss): a stack
 * pointer below it is a stack that has run into them, and stops the run (0: no guard).
 *
 * The run is repeatable: the harness waits for openpcs's answer to everything it says, and
 * bytes for the program carry the MCU cycle they arrive at. Messages (harness_pipe.h framing):
 *   harness -> openpcs, each answered ('K' unless said):
 *     'U' port, cycle (8 LE), bytes...   bytes the program sent on UART0/UART1 by that cycle
 *     'I' step, byte, cycle (8 LE)       an I2C step, answered 'A': 'a' address byte (7-bit
 *                                        address << 1 | read) and 'w' data byte: 1 to ACK;
 *                                        'r' (address byte): the byte read; 'p' stop: no answer
 *     'P' port letter, value, cycle      the program changed the output register of a port
 *     'Z' cycle (8 LE)                   the MCU goes into power-down sleep; answered 'W'
 *     'M' cycle (8 LE)                   the program reached MARK
 *     'S' code, pc (4 LE), cycle (8 LE), text   the run stopped; then exit 0 (no answer)
 *   openpcs -> harness:
 *     'K'                                the message was taken
 *     'A' byte                           the answer to an I2C step
 *     'W' cycle (8 LE)                   wake at that cycle (the clock jumps there; 0: never)
 *     'U' port, cycle (8 LE), bytes...   bytes for the program to receive, not before cycle
 *     'E' port letter, pin, level        drive an input pin from outside (an interrupt line)
 *     'R'                                reset the MCU (the RTC's watchdog alarm)
 *     'V' channel, millivolts (4 LE)     the voltage on an analog input (ADC0..ADC7)
 *     'Q'                                stop the run (code 'Q')
 * The harness starts once it has a 'K' (bytes sent before it are there from the start).
 * Stop codes: 'L' cycle limit, 'G' stack guard, 'C' crashed, 'D' the program stopped,
 * 'Q' openpcs stopped it.
 *
 * Where simavr differs from the ATmega1281 it is corrected here (docs/twin.md): the UART
 * transmitters are off after reset and UDREn is set whenever no byte is in flight; addresses
 * past SRAM (the external memory interface's) do not stop the run; a read of TWDR gives one
 * byte; power-down sleep stops the MCU's clocks (its timers do not wake it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <simavr/avr_adc.h>
#include <simavr/avr_ioport.h>
#include <simavr/avr_twi.h>
#include <simavr/avr_uart.h>
#include <simavr/sim_avr.h>
#include <simavr/sim_io.h>

#include "harness_chip.h"
#include "harness_load.h"
#include "harness_pipe.h"
#include "harness_uart.h"

enum { CHECK_EVERY = 4096, FLASH_LIMIT = CHIP_FLASH_LIMIT, PIN_DRIVES = 32 };

static avr_t *avr;

/* --- what openpcs says ------------------------------------------------------------------- */

static int answered, answer;
static uint64_t wake_at;
static int reset_asked, quit_asked;
static struct { char port; uint8_t pin, level; } drives[PIN_DRIVES];
static int drive_count;

static void on_message(uint8_t kind, const uint8_t *payload, size_t len)
{
	if (kind == 'K' && len == 0)
		answered = 1;
	else if (kind == 'A' && len == 1)
		answered = 1, answer = payload[0];
	else if (kind == 'W' && len == 8)
		answered = 1, wake_at = get_u64(payload);
	else if (kind == 'U' && len >= 9)
		uart_enqueue(payload[0], get_u64(payload + 1), payload + 9, len - 9);
	else if (kind == 'E' && len == 3 && drive_count < PIN_DRIVES) {
		drives[drive_count].port = (char)payload[0];
		drives[drive_count].pin = payload[1] & 7;
		drives[drive_count++].level = payload[2] != 0;
	} else if (kind == 'V' && len == 5 && payload[0] < 8) {
		uint32_t millivolts = payload[1] | (uint32_t)payload[2] << 8 |
			(uint32_t)payload[3] << 16 | (uint32_t)payload[4] << 24;
		avr_irq_t *input = avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + payload[0]);
		if (input)
			avr_raise_irq(input, millivolts);
	} else if (kind == 'R')
		reset_asked = 1;
	else if (kind == 'Q')
		quit_asked = 1;
}

/* Say one thing and wait for its answer. */
static void ask(uint8_t kind, const uint8_t *payload, uint16_t len)
{
	pipe_send(kind, payload, len);
	answered = 0;
	pipe_wait(on_message, &answered);
}

/* Pins openpcs drives, applied between instructions (never inside a register write). */
static void apply_drives(void)
{
	for (int i = 0; i < drive_count; i++) {
		avr_irq_t *irq = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(drives[i].port), drives[i].pin);
		if (irq)
			avr_raise_irq(irq, drives[i].level);
	}
	drive_count = 0;
}

/* --- output pins: each change of a port's output register told --------------------------- */

static const char port_names[] = "ABCDEFG";
static uint8_t port_values[sizeof port_names];

static void on_port_write(struct avr_irq_t *irq, uint32_t value, void *param)
{
	(void)irq;
	size_t index = (size_t)(uintptr_t)param;
	if (port_values[index] == (uint8_t)value)
		return;
	port_values[index] = (uint8_t)value;
	uart_flush(); /* what was sent before the change, told before it */
	uint8_t payload[2 + 8] = { (uint8_t)port_names[index], (uint8_t)value };
	put_u64(payload + 2, avr->cycle);
	ask('P', payload, sizeof payload);
}

static void set_up_ports(void)
{
	for (size_t i = 0; i < sizeof port_names - 1; i++) {
		avr_irq_t *irq = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(port_names[i]),
			IOPORT_IRQ_REG_PORT);
		if (irq)
			avr_irq_register_notify(irq, on_port_write, (void *)(uintptr_t)i);
	}
}

/* --- I2C: each step asked of openpcs, which answers for the device at that address ------- */

static avr_irq_t *twi_input;
static avr_twi_t *twi;

static int ask_i2c(uint8_t step, uint8_t byte)
{
	uint8_t payload[2 + 8] = { step, byte };
	put_u64(payload + 2, avr->cycle);
	uart_flush();
	if (step == 'p') {
		pipe_send('I', payload, sizeof payload);
		return 0;
	}
	ask('I', payload, sizeof payload);
	return answer;
}

static void on_twi_output(struct avr_irq_t *irq, uint32_t value, void *param)
{
	(void)irq;
	(void)param;
	avr_twi_msg_irq_t message = { .u.v = value };
	uint8_t msg = message.u.twi.msg, addr = message.u.twi.addr;
	if (msg & TWI_COND_STOP)
		ask_i2c('p', 0);
	if (msg & (TWI_COND_START | TWI_COND_ADDR)) { /* simavr sends the address with START */
		if (ask_i2c('a', addr))
			avr_raise_irq(twi_input, avr_twi_irq_msg(TWI_COND_ACK, addr, 1));
	} else if (msg & TWI_COND_WRITE) {
		if (ask_i2c('w', message.u.twi.data))
			avr_raise_irq(twi_input, avr_twi_irq_msg(TWI_COND_ACK, addr, 1));
	} else if (msg & TWI_COND_READ) {
		avr_raise_irq(twi_input, avr_twi_irq_msg(TWI_COND_READ, addr, (uint8_t)ask_i2c('r', addr)));
		/* simavr opens its read latch when the program reads TWDR and never closes it, so
		   every later TWCR write with TWINT set asks for another byte (the API's
		   twi_send_ack writes TWCR twice a byte, and one byte in two was lost). The chip
		   receives one byte per TWDR read: the latch closes here. */
		if (twi)
			twi->state &= ~TWI_COND_READ;
	}
}

static void set_up_twi(void)
{
	avr_irq_t *output = avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_OUTPUT);
	twi_input = avr_io_getirq(avr, AVR_IOCTL_TWI_GETIRQ(0), TWI_IRQ_INPUT);
	if (output && twi_input)
		avr_irq_register_notify(output, on_twi_output, NULL);
	for (avr_io_t *io = avr->io_port; io; io = io->next)
		if (io->kind && !strcmp(io->kind, "twi"))
			twi = (avr_twi_t *)io;
}

/* --- stopping ------------------------------------------------------------------------------ */

static void stop(uint8_t code, const char *text)
{
	uint8_t payload[1 + 4 + 8 + 200];
	size_t len = 0;
	uint32_t pc = avr->pc;
	uint64_t cycle = avr->cycle;
	payload[len++] = code;
	for (int i = 0; i < 4; i++)
		payload[len++] = (uint8_t)(pc >> (8 * i));
	put_u64(payload + len, cycle);
	len += 8;
	size_t text_len = strlen(text);
	if (text_len > 200)
		text_len = 200;
	memcpy(payload + len, text, text_len);
	len += text_len;
	uart_flush();
	pipe_send('S', payload, (uint16_t)len);
	pipe_flush();
	exit(0);
}

/* --- power-down sleep: the clock jumps to the wake-up ------------------------------------- */

enum { R_SMCR = 0x53, SLEEP_OPCODE = 0x9588 };

/* The MCU is about to execute SLEEP in power-down or power-save mode (SE set): on the
   ATmega1281 its timers stop and only an external interrupt (the RTC's alarm line) or the
   watchdog wakes it. simavr would let the next timer interrupt wake it within a millisecond.
   openpcs says when the node wakes ('W') and which lines rise then ('E'); the clock jumps
   there and every timer is pushed back by as much, so none runs while the MCU is down. */
static int about_to_sleep_deeply(void)
{
	if (avr->state != cpu_Running || avr->pc + 1 >= FLASH_LIMIT)
		return 0;
	unsigned opcode = avr->flash[avr->pc] | (unsigned)avr->flash[avr->pc + 1] << 8;
	uint8_t smcr = avr->data[R_SMCR];
	unsigned mode = (smcr >> 1) & 7;
	return opcode == SLEEP_OPCODE && (smcr & 1) && (mode == 2 || mode == 3);
}

static void sleep_deeply(void)
{
	uint8_t payload[8];
	uart_flush();
	put_u64(payload, avr->cycle);
	pipe_send('Z', payload, sizeof payload);
	answered = 0;
	pipe_wait(on_message, &answered);
	if (quit_asked)
		stop('Q', "openpcs stopped the run");
	if (wake_at == 0)
		stop('D', "the node went to sleep with nothing set to wake it");
	if (wake_at > avr->cycle) {
		avr_cycle_count_t skipped = wake_at - avr->cycle;
		for (avr_cycle_timer_slot_p slot = avr->cycle_timers.timer; slot; slot = slot->next)
			slot->when += skipped;
		avr->cycle = wake_at;
	}
	apply_drives();
}

/* --- main ---------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 7) {
		fprintf(stderr,
			"usage: %s PROGRAM.hex FREQUENCY_HZ STACK_LIMIT MAX_CYCLES MARK [EEPROM.bin]\n",
			argv[0]);
		return 2;
	}
	avr = chip_make((uint32_t)strtoul(argv[2], NULL, 10));
	if (!avr) {
		fprintf(stderr, "simavr has no atmega1281\n");
		return 2;
	}
	if (load_program(avr, argv[1], FLASH_LIMIT) != 0) {
		fprintf(stderr, "%s: not an Intel HEX program for the ATmega1281\n", argv[1]);
		return 2;
	}
	if (argc == 7 && load_eeprom(avr, argv[6]) != 0) {
		fprintf(stderr, "%s: the EEPROM image cannot be read\n", argv[6]);
		return 2;
	}
	unsigned long stack_limit = strtoul(argv[3], NULL, 0);
	unsigned long long max_cycles = strtoull(argv[4], NULL, 10);
	unsigned long mark = strtoul(argv[5], NULL, 0);
	uart_setup(avr, ask);
	set_up_twi();
	set_up_ports();
	chip_after_step();

	/* The guard watches once the program has set its stack above the limit. A function's
	   prologue writes SPH, then SREG, then SPL: in between, SP can read up to 255 bytes low.
	   Only a stack pointer below the limit for more steps than that takes is an overflow. */
	int armed = 0, low_steps = 0;
	answered = 0;
	pipe_wait(on_message, &answered); /* openpcs is ready; bytes sent before are queued */
	apply_drives();
	for (unsigned long step = 1;; step++) {
		if (about_to_sleep_deeply())
			sleep_deeply();
		int state = avr_run(avr);
		if (mark && avr->pc == mark) {
			uint8_t payload[8];
			uart_flush();
			put_u64(payload, avr->cycle);
			ask('M', payload, sizeof payload);
		}
		chip_after_step();
		if (state == cpu_Done)
			stop('D', "the program stopped (sleep with interrupts off)");
		if (state == cpu_Crashed)
			stop('C', "the MCU crashed");
		if (stack_limit) {
			unsigned sp = avr->data[R_SPL] | (unsigned)avr->data[R_SPH] << 8;
			if (sp >= stack_limit)
				armed = 1, low_steps = 0;
			else if (armed && ++low_steps > 3)
				stop('G', "the stack ran into the program's variables");
		}
		if (avr->cycle >= max_cycles)
			stop('L', "the cycle limit was reached");
		if (step % CHECK_EVERY == 0) {
			uart_flush();
			pipe_poll(on_message);
		}
		if (drive_count)
			apply_drives();
		if (quit_asked)
			stop('Q', "openpcs stopped the run");
		if (reset_asked) {
			reset_asked = 0, armed = 0;
			avr_reset(avr);
		}
		if (uart_waiting())
			uart_feed();
	}
}
