/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPPM_H
#define OPENPCS_STUB_WASPPM_H

#include "Waspmote.h"

/* communication modes of ON(bool) */
#define PM_SPI_MODE 0
#define PM_UART_MODE 1

/* particle matter sensor (OPC-N2/N3) */
class WaspPM
{
public:
    uint8_t ON();  /* 1 when ready */
    uint8_t ON(bool mode);
    uint8_t OFF();
    int8_t getPM(uint32_t sampleMs);  /* 1 when read */
    int8_t getPM(uint32_t waitMs, uint32_t sampleMs);

    /* last reading, in ug/m3 */
    float _PM1;
    float _PM2_5;
    float _PM10;
};
extern WaspPM PM;

#endif
