/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPXBEEZB_H
#define OPENPCS_STUB_WASPXBEEZB_H

#include "Waspmote.h"

/* ZigBee: setPAN takes the 8-byte extended PAN ID */
class WaspXBeeZB : public WaspXBeeCore
{
public:
    uint8_t getAssociationIndication();
    uint8_t associationIndication;  /* 0 once joined */
};
extern WaspXBeeZB xbeeZB;

#endif
