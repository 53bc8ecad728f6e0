/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPSENSORSW_H
#define OPENPCS_STUB_WASPSENSORSW_H

#include "Waspmote.h"

class WaspSensorSW
{
public:
    void ON(void);
    void OFF(void);
};
extern WaspSensorSW Water;

/* the Smart Water Ions header has a class of this name too (with read()); the first one wins */
#ifndef OPENPCS_STUB_PT1000CLASS
#define OPENPCS_STUB_PT1000CLASS
class pt1000Class
{
public:
    pt1000Class();
    float readTemperature(void);  /* degrees Celsius */
};
#endif

class pHClass
{
public:
    pHClass();
    pHClass(uint8_t socket);  /* SOCKET_E: a pH probe on the ORP input */
    float readpH();  /* volts */
    float pHConversion(float volts);
    float pHConversion(float volts, float temperature);
    /* volts in the pH 10, 7 and 4 buffers, then the calibration temperature */
    void setCalibrationPoints(float point10, float point7, float point4, float temperature);
};

class ORPClass
{
public:
    ORPClass();
    ORPClass(uint8_t socket);  /* SOCKET_A: an ORP probe on the pH input */
    float readORP();  /* volts against the 2.048 V reference */
};

class DOClass
{
public:
    DOClass();
    float readDO();  /* volts */
    float DOConversion(float volts);  /* % saturation */
    void setCalibrationPoints(float airVolts, float zeroVolts);
};

class conductivityClass
{
public:
    conductivityClass();
    float readConductivity();  /* ohms */
    float conductivityConversion(float resistance);
    /* conductivity and resistance in solution 1, then in solution 2 */
    void setCalibrationPoints(float conductivity1, float resistance1, float conductivity2, float resistance2);
};

#endif
