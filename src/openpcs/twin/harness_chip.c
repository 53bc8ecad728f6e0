/* The ATmega1281 of a Waspmote on simavr (harness_chip.h): made with the chip's memory map and
   supply, and corrected after every reset where simavr's differs (docs/twin.md). */
#include "harness_chip.h"

#include <stddef.h>

#include "harness_uart.h"

static avr_t *avr;

static void sleep_costs_nothing(struct avr_t *avr_, avr_cycle_count_t how_long)
{
	(void)avr_;
	(void)how_long; /* simavr advances the clock itself; the host need not wait */
}

/* simavr's reset leaves what the ATmega1281's does not: the transmitters on (a debugging
   convenience) and SP at its own RAM end (0xFFFF here, see chip_make). Put right after each
   reset. */
enum { SRAM_END = 0x21FF };
static int reset_pending;
static void (*core_reset)(struct avr_t *avr_);

static void as_the_chip_resets(void)
{
	avr->data[R_SPL] = SRAM_END & 0xff;
	avr->data[R_SPH] = SRAM_END >> 8;
	uart_transmitters_off();
	reset_pending = 0;
}

static void on_reset(struct avr_t *avr_)
{
	if (core_reset)
		core_reset(avr_);
	reset_pending = 1; /* the IO modules reset after this: corrected after the next step */
}

void chip_after_step(void)
{
	if (reset_pending)
		as_the_chip_resets();
}

avr_t *chip_make(uint32_t frequency)
{
	avr = avr_make_mcu_by_name("atmega1281");
	if (!avr)
		return NULL;
	/* Addresses past the 8 KiB of SRAM are the external memory interface's: the ATmega1281
	   reads and writes them without a fault, where simavr stops the run. The space is given
	   memory (what is written there is kept, where the node's bus would float), so a program
	   that reads a buffer past the end of RAM runs on as on the node. */
	avr->ramend = 0xFFFF;
	if (avr_init(avr) != 0)
		return NULL;
	avr->frequency = frequency;
	avr->vcc = avr->avcc = avr->aref = 3300; /* a Waspmote's 3.3 V, AVCC and AREF */
	avr->sleep = sleep_costs_nothing;
	avr->log = LOG_NONE;
	core_reset = avr->reset;
	avr->reset = on_reset;
	reset_pending = 1;
	return avr;
}
