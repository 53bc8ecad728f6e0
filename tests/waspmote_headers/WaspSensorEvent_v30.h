/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPSENSOREVENT_V30_H
#define OPENPCS_STUB_WASPSENSOREVENT_V30_H

#include "Waspmote.h"

#ifndef OUTDOOR
#define OUTDOOR 0
#define INDOOR 1
#endif

/* flow sensor models */
#define SENS_FLOW_FS100 1
#define SENS_FLOW_FS200 2
#define SENS_FLOW_FS400 3
#define SENS_FLOW_YFS401 4
#define SENS_FLOW_FS300 5
#define SENS_FLOW_YFG1 6

class WaspSensorEvent_v30
{
public:
    /* readInput() attaches the interrupt again after a read when this is true */
    bool _intEnabled;

    void ON(void);
    void OFF(void);
    void attachInt();
    void detachInt();
    void loadInt();
    float getTemperature();
    float getHumidity();
    float getPressure();
    uint16_t getDistance();
    uint32_t getLuxes();
    uint32_t getLuxes(bool gain);
    uint32_t getLuxes(bool gain, uint8_t resolution);
};
extern WaspSensorEvent_v30 Events;

class hallSensorClass : public WaspSensorEvent_v30
{
public:
    hallSensorClass(uint8_t socket);
    uint8_t read();
    bool getInt();
};

class pirSensorClass : public WaspSensorEvent_v30
{
public:
    pirSensorClass(uint8_t socket);
    uint8_t read();
    uint8_t readPirSensor();
    bool getInt();
};

class liquidLevelClass : public WaspSensorEvent_v30
{
public:
    liquidLevelClass(uint8_t socket);
    uint8_t read();
    bool getInt();
};

class liquidPresenceClass : public WaspSensorEvent_v30
{
public:
    liquidPresenceClass(uint8_t socket);
    uint8_t read();
    bool getInt();
};

class relayClass : public WaspSensorEvent_v30
{
public:
    relayClass();
    uint8_t read();
    void relayON();
    void relayOFF();
    bool getInt();
};

class flowClass : public WaspSensorEvent_v30
{
public:
    flowClass(uint8_t model);
    float flowReading();  /* litres per minute */
    float read();
    bool getInt();
};

#endif
