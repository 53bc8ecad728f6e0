/* Loading the node twin's MCU (harness_load.c). */
#ifndef OPENPCS_HARNESS_LOAD_H
#define OPENPCS_HARNESS_LOAD_H

#include <stdint.h>

#include <simavr/sim_avr.h>

/* Load the Intel HEX file's chunks that lie below `flash_limit` into flash; -1 when the
   file is no Intel HEX or holds nothing for the MCU. */
int load_program(avr_t *avr, const char *path, uint32_t flash_limit);
/* The MCU's EEPROM from a raw image (from address 0, at most 4 KiB); -1 when unreadable. */
int load_eeprom(avr_t *avr, const char *path);

#endif
