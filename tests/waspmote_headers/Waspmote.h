/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPMOTE_H
#define OPENPCS_STUB_WASPMOTE_H

#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <avr/pgmspace.h>

/* ---- sockets, power and interrupt constants ---- */
#define SOCKET0 0
#define SOCKET1 1
#define SOCKET_A 101
#define SOCKET_B 102
#define SOCKET_C 103
#define SOCKET_D 104
#define SOCKET_E 105
#define SOCKET_F 106

#define DISABLED 0
#define ENABLED 1

#define XBEE_ON 1
#define XBEE_OFF 3

#define SENS_ON 0
#define SENS_OFF 1
#define SENS_3V3 0
#define SENS_5V 1

/* sleep options of PWR.deepSleep */
#define ALL_ON 0
#define SOCKET0_OFF 2
#define ALL_OFF 3
#define SOCKET0_ON 5
#define SENSOR_ON 6

/* RTC alarm 1 */
#define RTC_OFFSET 0
#define RTC_ABSOLUTE 1
#define RTC_ALM1_MODE1 0
#define RTC_ALM1_MODE2 1
#define RTC_ALM1_MODE3 2
#define RTC_ALM1_MODE4 3
#define RTC_ALM1_MODE5 4
#define RTC_ALM1_MODE6 5

/* RTC alarm 2 (the watchdog) */
#define RTC_ALM2_MODE1 0
#define RTC_ALM2_MODE2 1
#define RTC_ALM2_MODE3 2
#define RTC_ALM2_MODE4 3
#define RTC_ALM2_MODE5 4

/* first address of the EEPROM area left to programs */
#define EEPROM_START 1024

/* bits of intFlag */
#define ACC_INT 1
#define RTC_INT 2
#define WTD_INT 4
#define SENS_INT 8
#define PLV_INT 16
#define HIB_INT 32
#define RAD_INT 64
#define XBEE_INT 128

/* indexes of intArray */
#define ACC_POS 0
#define RTC_POS 1
#define WTD_POS 2
#define SENS_POS 3
#define PLV_POS 4
#define RAD_POS 5
#define XBEE_POS 6

/* ---- globals ---- */
extern volatile uint16_t intFlag;
extern volatile uint8_t intArray[8];
extern volatile uint8_t _serial_id[8];
extern volatile uint8_t _boot_version;

/* ---- Arduino-style C functions ---- */
#ifdef __cplusplus
extern "C" {
#endif
unsigned long millis(void);
void delay(unsigned long ms);
/* one UART of the MCU: 0 (USB, socket 0) or 1 (socket 1) */
void printByte(unsigned char c, uint8_t uart);
void printString(const char *text, uint8_t uart);
void serialFlush(uint8_t uart);
void setup(void);
void loop(void);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus

/* strings kept in flash: F("text") */
class __FlashStringHelper;
#define F(text) (reinterpret_cast<const __FlashStringHelper *>(PSTR(text)))

/* ---- USB serial port ---- */
class WaspUSB
{
public:
    void ON();
    void OFF();
    uint8_t available();
    int read();

    void print(char c);
    void print(const char text[]);
    void print(uint8_t value);
    void print(uint16_t value);
    void print(int value);
    void print(long value);
    void print(unsigned long value);
    void print(long value, int base);
    void print(double value);
    void print(uint64_t value);
    uint32_t print(const __FlashStringHelper *text);

    void println();
    void println(char c);
    void println(const char text[]);
    void println(uint8_t value);
    void println(uint16_t value);
    void println(int value);
    void println(long value);
    void println(unsigned long value);
    void println(long value, int base);
    void println(double value);
    void println(uint64_t value);
    uint32_t println(const __FlashStringHelper *text);
};
extern WaspUSB USB;

/* ---- real-time clock ---- */
class WaspRTC
{
public:
    void ON();
    void OFF();
    unsigned long getEpochTime();
    void setWatchdog(uint16_t minutes);
    uint8_t setAlarm2(uint8_t dayDate, uint8_t hour, uint8_t minute, uint8_t offset, uint8_t mode);
};
extern WaspRTC RTC;

/* ---- power management ---- */
class WaspPWR
{
public:
    void deepSleep(const char *time2wake, uint8_t offset, uint8_t mode);
    void deepSleep(const char *time2wake, uint8_t offset, uint8_t mode, uint8_t option);
    uint8_t getBatteryLevel();
};
extern WaspPWR PWR;

/* ---- utilities ---- */
class WaspUtils
{
public:
    void hex2str(uint8_t *number, char *text);
    void hex2str(uint8_t *number, char *text, uint8_t length);
    uint8_t readEEPROM(int address);
    void writeEEPROM(int address, uint8_t value);
};
extern WaspUtils Utils;

/* ---- on-board secure EEPROM ---- */
class WaspEEPROM
{
public:
    uint8_t saveKey(uint8_t index, uint8_t *key, uint8_t len);
    uint8_t encrypt(uint8_t index, uint8_t *data, uint16_t length, uint8_t *encrypted,
                    uint16_t *encryptedLength);
};
extern WaspEEPROM eeprom;

/* ---- what the AT-command radio classes share (WaspUART) ---- */
class WaspUART
{
public:
    /* 0 on timeout, else which answer (1, 2 …) came */
    uint8_t sendCommand(char *command, char *ans1, uint32_t timeout);
    uint8_t sendCommand(char *command, char *ans1, char *ans2, uint32_t timeout);
    uint8_t sendCommand(char *command, char *ans1, char *ans2, char *ans3, uint32_t timeout);
    uint8_t waitFor(char *ans1, uint32_t timeout);
    uint8_t waitFor(char *ans1, char *ans2, uint32_t timeout);
    uint8_t waitFor(char *ans1, char *ans2, char *ans3, uint32_t timeout);
};

/* ---- what every XBee radio class shares ---- */
#define MAX_FINISH_PACKETS 5
class WaspXBeeCore
{
public:
    uint8_t ON();
    uint8_t ON(uint8_t uart);
    uint8_t OFF();
    uint8_t setChannel(uint8_t channel);
    uint8_t setScanningChannels(uint8_t high, uint8_t low);
    uint8_t sendCommandAT(const char *atcommand);
    uint8_t setPAN(uint8_t *pan);
    uint8_t setEncryptionMode(uint8_t mode);
    uint8_t setLinkKey(const char *key);
    uint8_t writeValues();
    void setSendingRetries(uint8_t retries);
    uint8_t send(char *mac, char *data);
    uint8_t send(char *mac, uint8_t *data, uint16_t length);
    uint8_t send(uint8_t *mac, char *data);
    uint8_t send(uint8_t *mac, uint8_t *data, uint16_t length);

    int8_t error_AT;
    uint8_t pos;  /* received packets kept (at most MAX_FINISH_PACKETS) */
    int8_t error_TX;
};

#endif /* __cplusplus */

#endif
