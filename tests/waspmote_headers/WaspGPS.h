/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPGPS_H
#define OPENPCS_STUB_WASPGPS_H

#include "Waspmote.h"

#define MAX_SIZE 20

class WaspGPS
{
public:
    uint8_t ON();  /* 1 when the receiver answers */
    void OFF();
    bool waitForSignal();
    bool waitForSignal(unsigned long timeoutSeconds);
    int8_t getPosition();  /* 1 when done */
    float convert2Degrees(char *input, char indicator);

    /* the last position read, as the receiver's text */
    char latitude[11];
    char NS_indicator;
    char longitude[11];
    char EW_indicator;
    char speed[MAX_SIZE];
    char altitude[MAX_SIZE];
    char course[MAX_SIZE];
};
extern WaspGPS GPS;

#endif
