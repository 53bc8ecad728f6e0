/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPSENSORCITIES_PRO_H
#define OPENPCS_STUB_WASPSENSORCITIES_PRO_H

#include "Waspmote.h"
/* gas probes on this board use the Gases PRO class Gas */
#include "WaspSensorGas_Pro.h"

/* noise sensor modes */
#define FAST_MODE 0x00
#define SLOW_MODE 0x01

class noiseSensor
{
public:
    void configure();
    uint8_t getSPLA();
    uint8_t getSPLA(uint8_t mode);  /* 0 when read */
    float SPLA;  /* dBA */
};
extern noiseSensor noise;

class bmeCitiesSensor
{
public:
    bmeCitiesSensor(uint8_t socket);
    void ON();
    void OFF();
    float getTemperature();
    float getHumidity();
    float getPressure();
};

class ultrasoundCitiesSensor
{
public:
    ultrasoundCitiesSensor(uint8_t socket);
    void ON();
    void OFF();
    uint16_t getDistance();
};

class luxesCitiesSensor
{
public:
    luxesCitiesSensor(uint8_t socket);
    void ON();
    void OFF();
    uint32_t getLuminosity();
    uint32_t getLuminosity(bool gain);
    uint32_t getLuminosity(bool gain, uint8_t resolution);
};

#endif
