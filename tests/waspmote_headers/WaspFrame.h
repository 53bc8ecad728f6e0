/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPFRAME_H
#define OPENPCS_STUB_WASPFRAME_H

#include "Waspmote.h"
/* sensor-id constants (SENSOR_*, AGRX_*, WTRX_*), written by the tests from the catalog */
#include "openpcs_frame_ids.h"

#define MAX_FRAME 255

/* frame modes */
#define BINARY 0
#define ASCII 1

/* frame types */
#define INFORMATION_FRAME_V12 0
#define INFORMATION_FRAME_V15 6
#define INFORMATION_FRAME_AGR_XTR 7
#define INFORMATION_FRAME_WTR_XTR 8

/* encrypted frame types */
#define AES_ECB_FRAME_V15 96
#define AES_ECB_END_TO_END_V15 100
#define AES_LIBELIUM_CLOUD_SW_FRAME 102
#define AES_LIBELIUM_CLOUD_HW_FRAME 103

/* AES key sizes: typed constants, not macros */
const uint16_t AES_128 = 128;
const uint16_t AES_192 = 192;
const uint16_t AES_256 = 256;

class WaspFrame
{
public:
    void createFrame(uint8_t mode);
    void createFrame(uint8_t mode, char *moteID);
    void setFrameType(uint8_t type);
    void setID(char *moteID);
    void showFrame(void);

    int8_t addSensor(uint8_t type, int value);
    int8_t addSensor(uint8_t type, uint16_t value);
    int8_t addSensor(uint8_t type, unsigned long value);
    int8_t addSensor(uint8_t type, double value);
    int8_t addSensor(uint8_t type, double value, int decimals);
    int8_t addSensor(uint8_t type, char *text);
    int8_t addSensor(uint8_t type, double value1, double value2);
    int8_t addSensor(uint8_t type, unsigned long value1, unsigned long value2);
    int8_t addSensor(uint8_t type, uint8_t value1, uint8_t value2, uint8_t value3);
    int8_t addSensor(uint8_t type, uint8_t value1, uint8_t value2, uint8_t value3, int value4);
    int8_t addSensor(uint8_t type, int value1, int value2);
    int8_t addSensor(uint8_t type, int value1, int value2, int value3);
    int8_t addSensor(uint8_t type, double value1, double value2, double value3);
    int8_t addSensor(uint8_t type, uint16_t values[]);

    /* AES: encryptFrame/encryptFrameHw give 1 when done; encryptFragment gives 0 when done */
    void encryptionToCloud(uint8_t flag);
    uint8_t encryptFrame(uint16_t keySize, char *password);
    uint8_t encryptFrameHw(uint8_t keyIndex);
    uint8_t encryptFragment(uint16_t keySize, char *password);

    /* tiny frames (LoRaWAN, Sigfox) */
    void setTinyLength(uint8_t length);
    uint8_t generateTinyFrame();
    uint8_t bufferTiny[100];
    uint8_t lengthTiny;

    /* fragments */
    bool isFragmentationNeeded(uint16_t maxSize);
    uint8_t createFragmentHeader(uint16_t fragmentSize);
    uint8_t generateFragment();
    uint8_t bufferFragment[101];
    uint16_t lengthFragment;

    uint8_t buffer[MAX_FRAME + 1];
    uint16_t length;
};
extern WaspFrame frame;

#endif
