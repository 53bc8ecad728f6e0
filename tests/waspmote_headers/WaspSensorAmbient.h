/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPSENSORAMBIENT_H
#define OPENPCS_STUB_WASPSENSORAMBIENT_H

#include "Waspmote.h"

#ifndef OUTDOOR
#define OUTDOOR 0
#define INDOOR 1
#endif

class WaspSensorAmbient
{
public:
    float getLuminosity();  /* LDR volts */
    uint32_t getLuxes();
    uint32_t getLuxes(bool gain);
    uint32_t getLuxes(bool gain, uint8_t resolution);
    float getTemperatureBME();
    float getHumidityBME();
    float getPressureBME();
};
extern WaspSensorAmbient SensorAmbient;

#endif
