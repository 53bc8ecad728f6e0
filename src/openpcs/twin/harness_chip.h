/* The ATmega1281 of a Waspmote on simavr, made and kept as the chip is (harness_chip.c). */
#ifndef OPENPCS_HARNESS_CHIP_H
#define OPENPCS_HARNESS_CHIP_H

#include <stdint.h>

#include <simavr/sim_avr.h>

enum { CHIP_FLASH_LIMIT = 0x20000 };

/* simavr's atmega1281 at `frequency`, powered at 3.3 V, whose sleeps cost the host nothing;
   NULL when simavr has none. After each reset (call chip_after_step after each avr_run) SP
   and the UART transmitters are as the ATmega1281 leaves them. */
avr_t *chip_make(uint32_t frequency);
/* Put right what simavr's last reset left unlike the chip's, once its IO modules have reset. */
void chip_after_step(void);

#endif
