/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPXBEE900HP_H
#define OPENPCS_STUB_WASPXBEE900HP_H

#include "Waspmote.h"

class WaspXBee900HP : public WaspXBeeCore
{
public:
    uint8_t setChannelMask(uint8_t mask[8]);
    uint8_t setPreambleID(uint8_t preambleID);
};
extern WaspXBee900HP xbee900HP;

#endif
