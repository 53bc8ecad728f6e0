/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_MODBUSMASTER_H
#define OPENPCS_STUB_MODBUSMASTER_H

#include "Waspmote.h"

/* the physical layer a ModbusMaster talks over */
#define RS485_COM 0x01
#define RS232_COM 0x02

/* no global object: the program makes its own */
class ModbusMaster
{
public:
    ModbusMaster();
    ModbusMaster(uint8_t protocol);
    ModbusMaster(uint8_t protocol, uint8_t slave);

    uint8_t begin();
    uint8_t begin(unsigned long baudRate);
    uint8_t begin(unsigned long baudRate, uint8_t socket);
    void setSlaveAddress(uint8_t slave);

    static const uint8_t ku8MBSuccess = 0x00;
    /* note: the quantity is a uint8_t here */
    uint8_t readInputRegisters(uint16_t address, uint8_t quantity);
    uint16_t getResponseBuffer(uint8_t index);
};

#endif
