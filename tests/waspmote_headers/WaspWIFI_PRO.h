/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPWIFI_PRO_H
#define OPENPCS_STUB_WASPWIFI_PRO_H

#include "Waspmote.h"

/* security modes of setPassword (not scoped in the class) */
enum authentication_modes
{
    OPEN = 0,
    WEP64 = 1,
    WEP128 = 2,
    WPA = 3,
    WPA2 = 4
};

class WaspWIFI_PRO : public WaspUART
{
public:
    uint8_t ON(uint8_t socket);
    void OFF(uint8_t socket);
    uint8_t resetValues();
    uint8_t softReset();

    uint8_t setESSID(char *essid);
    uint8_t setPassword(uint8_t securityMode);
    uint8_t setPassword(uint8_t securityMode, char *password);
    uint8_t setIP(char *ip);
    uint8_t setGateway(char *ip);
    uint8_t setNetmask(char *ip);
    uint8_t setDNS(char *ip);
    bool isConnected();
    bool isConnected(uint32_t totalTime, uint32_t periodTime);

    /* protocol "http" or "https"; port as text; link without its leading '/' */
    uint8_t getURL(char *protocol, char *host, char *port, char *link);
    uint8_t sendFrameToMeshlium(char *protocol, char *host, char *port, uint8_t *data, uint16_t length);

    /* TCP; the connection's handle is left in _socket_handle */
    uint8_t setTCPclient(char *host, char *remotePort);
    uint8_t setTCPclient(char *host, char *remotePort, char *localPort);
    uint16_t _socket_handle;
    uint8_t send(uint16_t handle, char *data);
    uint8_t send(uint16_t handle, uint8_t *data, uint16_t length);
    uint8_t closeSocket(uint16_t handle);

    /* TLS */
    uint8_t setCA(char *certificate);
    uint8_t changeBaudRate(uint32_t rate);
    uint8_t sslHandshake(uint8_t handle);
};
extern WaspWIFI_PRO WIFI_PRO;

#endif
