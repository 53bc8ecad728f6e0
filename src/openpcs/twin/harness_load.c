/* Loading the node twin's MCU (harness_load.h): the program from Intel HEX, the EEPROM from
   a raw image. */
#include "harness_load.h"

#include <stdio.h>
#include <stdlib.h>

#include <simavr/avr_eeprom.h>
#include <simavr/sim_hex.h>

int load_eeprom(avr_t *avr, const char *path)
{
	static uint8_t image[4096];
	FILE *file = fopen(path, "rb");
	if (!file)
		return -1;
	size_t size = fread(image, 1, sizeof image, file);
	fclose(file);
	avr_eeprom_desc_t desc = { .ee = image, .offset = 0, .size = (uint32_t)size };
	avr_ioctl(avr, AVR_IOCTL_EEPROM_SET, &desc); /* simavr 1.6 answers -1 even when it did */
	return 0;
}

int load_program(avr_t *avr, const char *path, uint32_t flash_limit)
{
	ihex_chunk_p chunks = NULL;
	int count = read_ihex_chunks(path, &chunks);
	if (count <= 0)
		return -1;
	int loaded = 0;
	for (int i = 0; i < count; i++) {
		if (chunks[i].baseaddr + chunks[i].size <= flash_limit) {
			avr_loadcode(avr, chunks[i].data, chunks[i].size, chunks[i].baseaddr);
			loaded = 1;
		}
		free(chunks[i].data);
	}
	free(chunks);
	return loaded ? 0 : -1;
}
