/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPSENSORRADIATION_H
#define OPENPCS_STUB_WASPSENSORRADIATION_H

#include "Waspmote.h"

class WaspRadiationBoard
{
public:
    void ON();
    void OFF();
    float getRadiationInt();  /* uSv/h */
    float getRadiationInt(long timeMs);
};
extern WaspRadiationBoard RadiationBoard;

#endif
