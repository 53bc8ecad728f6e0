/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPLORAWAN_H
#define OPENPCS_STUB_WASPLORAWAN_H

#include "Waspmote.h"

/* what the LoRaWAN calls answer */
enum AnswerTypesLoRaWAN
{
    LORAWAN_ANSWER_OK = 0,
    LORAWAN_ANSWER_ERROR = 1,
    LORAWAN_NO_ANSWER = 2,
    LORAWAN_INIT_ERROR = 3,
    LORAWAN_LENGTH_ERROR = 4,
    LORAWAN_SENDING_ERROR = 5,
    LORAWAN_NOT_JOINED = 6,
    LORAWAN_INPUT_ERROR = 7,
    LORAWAN_VERSION_ERROR = 8
};

/* bands of the module that serves Japan and Korea */
enum BandsLoRaWAN
{
    BAND_JP923 = 0,
    BAND_KR920 = 6
};

class WaspLoRaWAN
{
public:
    uint8_t _maxPayload;  /* set by getMaxPayload() */
    uint8_t _dataRate;    /* set by getDataRate() */
    uint32_t _upCounter;  /* set by getUpCounter(), written into the module by joinABP() */
    uint32_t _downCounter;
    uint8_t _OTAAError;   /* above 1 after a failed joinOTAA(): joinABP() refuses */

    uint8_t ON(uint8_t socket);
    uint8_t OFF(uint8_t socket);
    uint8_t factoryReset();

    /* keys and addresses are hex text */
    uint8_t setDeviceEUI();
    uint8_t setDeviceEUI(char *eui);
    uint8_t setAppEUI(char *eui);
    uint8_t setAppKey(char *key);
    uint8_t setDeviceAddr();
    uint8_t setDeviceAddr(char *address);
    uint8_t setNwkSessionKey(char *key);
    uint8_t setAppSessionKey(char *key);

    uint8_t setADR(char *state);  /* "on" or "off" */
    uint8_t setDataRate(uint8_t datarate);
    uint8_t getDataRate();
    uint8_t setChannelStatus(uint8_t channel, char *state);  /* "on" or "off" */
    uint8_t setUpCounter(uint32_t counter);
    uint8_t getUpCounter();
    uint8_t setDownCounter(uint32_t counter);
    uint8_t getDownCounter();
    uint8_t setBand(uint8_t band);
    uint8_t getMaxPayload();
    uint8_t saveConfig();
    uint8_t joinABP();
    uint8_t joinOTAA();

    uint8_t sendConfirmed(uint8_t port, char *payload);
    uint8_t sendConfirmed(uint8_t port, uint8_t *payload, uint16_t length);
    uint8_t sendUnconfirmed(uint8_t port, char *payload);
    uint8_t sendUnconfirmed(uint8_t port, uint8_t *payload, uint16_t length);
};
extern WaspLoRaWAN LoRaWAN;

#endif
