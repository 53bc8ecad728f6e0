/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPSENSORAGR_V30_H
#define OPENPCS_STUB_WASPSENSORAGR_V30_H

#include "Waspmote.h"

/* luminosity gain (TSL2561) */
#ifndef OUTDOOR
#define OUTDOOR 0
#define INDOOR 1
#endif

/* sleepAgr's last argument: wake on the rain gauge */
#define SENS_AGR_PLUVIOMETER 16

/* dendrometer types */
#define SENS_SA_DD 28
#define SENS_SA_DF 29
#define SENS_SA_DC3 30
#define SENS_SA_DC2 31

class WaspSensorAgr_v30
{
public:
    void ON(void);
    void OFF(void);
    float getTemperature();
    float getHumidity();
    float getPressure();
    uint16_t getDistance();
    uint32_t getLuxes();
    uint32_t getLuxes(bool gain);
    uint32_t getLuxes(bool gain, uint8_t resolution);
    void sleepAgr(const char *time2wake, uint8_t offset, uint8_t mode, uint8_t option);
    void sleepAgr(const char *time2wake, uint8_t offset, uint8_t mode, uint8_t option, uint8_t interrupts);
};
extern WaspSensorAgr_v30 Agriculture;

class watermarkClass
{
public:
    watermarkClass(uint8_t socket);
    float readWatermark();  /* Hz */
};

class leafWetnessClass
{
public:
    leafWetnessClass();
    float getLeafWetness();
};

class ds18b20Class
{
public:
    ds18b20Class();
    float readDS18b20();
};

class pt1000Class : public WaspSensorAgr_v30
{
public:
    pt1000Class();
    float readPT1000();
};

class dendrometerClass : public WaspSensorAgr_v30
{
public:
    dendrometerClass();
    dendrometerClass(uint8_t type);
    float readDendrometer();  /* mm */
};

class radiationClass
{
public:
    radiationClass();
    float readRadiation();  /* volts */
};

class weatherStationClass : public WaspSensorAgr_v30
{
public:
    weatherStationClass();
    float readAnemometer();
    uint8_t readVaneDirection();
    float readPluviometerCurrent();
    float readPluviometerHour();
    float readPluviometerDay();
    void storePulse();
};

#endif
