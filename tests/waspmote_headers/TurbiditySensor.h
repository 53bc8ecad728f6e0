/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_TURBIDITYSENSOR_H
#define OPENPCS_STUB_TURBIDITYSENSOR_H

#include "Waspmote.h"
/* the sensor is a Modbus slave */
#include "ModbusMaster.h"

/* no global object: the program makes its own */
class turbidityClass
{
public:
    turbidityClass();
    turbidityClass(uint8_t address);
    uint8_t ON();
    void OFF();
    float getTurbidity();  /* NTU; -1000 on a Modbus error */
};

#endif
