/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPCAN_H
#define OPENPCS_STUB_WASPCAN_H

#include "Waspmote.h"

class WaspCAN
{
public:
    bool ON(uint16_t speedKbps);  /* 1000, 500 or 250; anything else runs at 125 */
    void OFF(void);

    /* OBD-II readings */
    uint16_t getEngineRPM();
    uint16_t getVehicleSpeed();
    uint16_t getEngineFuelRate();
    uint16_t getFuelPressure();
    uint8_t getFuelLevel();
    uint8_t getThrottlePosition();
};
extern WaspCAN CAN;

#endif
