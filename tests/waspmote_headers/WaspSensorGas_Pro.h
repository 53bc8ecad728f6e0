/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPSENSORGAS_PRO_H
#define OPENPCS_STUB_WASPSENSORGAS_PRO_H

#include "Waspmote.h"

/* a gas probe (electrochemical, NDIR or pellistor) in one socket; no global object */
class Gas
{
public:
    Gas(int socket);
    int8_t ON();  /* 1 when ready */
    int8_t ON(float gain);
    uint8_t OFF();
    uint8_t OFF(uint8_t enableFET);
    float getConc();  /* ppm, or %LEL for the pellistor */
    float getConc(uint8_t resolution);
    float getConc(float temperature);
    float getConc(uint8_t resolution, float no2);
    float getConc(uint8_t resolution, float temperature, float no2);
    float getTemp();
    float getHumidity();
    float getPressure();
};

/* the probes of the board's central socket */
class bmeGasesSensor
{
public:
    bmeGasesSensor();
    void ON();
    void OFF();
    float getTemperature();
    float getHumidity();
    float getPressure();
};

class ultrasoundGasesSensor
{
public:
    ultrasoundGasesSensor();
    void ON();
    void OFF();
    uint16_t getDistance();
};

class luxesGasesSensor
{
public:
    luxesGasesSensor();
    void ON();
    void OFF();
    uint32_t getLuminosity();
    uint32_t getLuminosity(bool gain);
    uint32_t getLuminosity(bool gain, uint8_t resolution);
};

#endif
