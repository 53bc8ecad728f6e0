/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPXBEE802_H
#define OPENPCS_STUB_WASPXBEE802_H

#include "Waspmote.h"

/* XBee 802.15.4: channel, PAN, link key and sending come from WaspXBeeCore */
class WaspXBee802 : public WaspXBeeCore
{
};
extern WaspXBee802 xbee802;

#endif
