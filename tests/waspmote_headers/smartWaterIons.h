/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_SMARTWATERIONS_H
#define OPENPCS_STUB_SMARTWATERIONS_H

#include "Waspmote.h"

#define SOCKETA SOCKET_A
#define SOCKETB SOCKET_B
#define SOCKETC SOCKET_C
#define SOCKETD SOCKET_D

class WaspSensorSWIons
{
public:
    void ON(void);
    void OFF(void);
};
extern WaspSensorSWIons SWIonsBoard;

/* any electrode, the pH one included */
class ionSensorClass
{
public:
    ionSensorClass();
    ionSensorClass(uint8_t socket);
    float read();  /* volts */
    /* volts first, then concentrations (ppm), then how many points */
    void setCalibrationPoints(const float volts[], const float concentrations[], uint8_t points);
    float calculateConcentration(float volts);  /* ppm */
    void setpHCalibrationPoints(float point10, float point7, float point4, float temperature);
    float pHConversion(float volts);
    float pHConversion(float volts, float temperature);
};

/* the Smart Water header has a class of this name too (with readTemperature()); the first one wins */
#ifndef OPENPCS_STUB_PT1000CLASS
#define OPENPCS_STUB_PT1000CLASS
class pt1000Class
{
public:
    pt1000Class();
    float read(void);  /* degrees Celsius */
};
#endif

#endif
