/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASP4G_H
#define OPENPCS_STUB_WASP4G_H

#include "Waspmote.h"

class Wasp4G : public WaspUART
{
public:
    enum ProfileSocketEnum
    {
        CONNECTION_1 = 0,
        CONNECTION_2 = 1,
        CONNECTION_3 = 2,
        CONNECTION_4 = 3,
        CONNECTION_5 = 4,
        CONNECTION_6 = 5
    };
    enum HttpMethodEnumeration
    {
        HTTP_GET = 0,
        HTTP_HEAD = 1,
        HTTP_DELETE = 2,
        HTTP_POST = 3,
        HTTP_PUT = 4,
        HTTP_POST_FRAME = 5
    };
    enum MultisocketProtocolEnumeration
    {
        TCP = 0,
        UDP = 1
    };
    enum SecurityDataActionsEnumeration
    {
        SSL_ACTION_DELETE = 0,
        SSL_ACTION_STORE = 1,
        SSL_ACTION_READ = 2
    };
    enum SecurityDataTypesEnumeration
    {
        SSL_TYPE_CERT = 0,
        SSL_TYPE_CA_CERT = 1,
        SSL_TYPE_RSA = 2
    };

    uint8_t ON();  /* the module sits in socket 1; no socket argument */
    void OFF();
    uint8_t enterPIN(char *pin);
    uint8_t enterPIN(char *pin, char *newPin);
    void set_APN(char *apn);
    void set_APN(char *apn, char *login, char *password);

    /* plain HTTP (no TLS) */
    uint8_t http(uint8_t method, char *host, uint16_t port, char *resource);
    uint8_t http(uint8_t method, char *host, uint16_t port, char *resource, char *data);
    int _httpCode;

    /* SMS */
    uint8_t configureSMS();
    uint8_t sendSMS(char *phoneNumber, char *text);

    /* TCP/UDP sockets; protocol is TCP or UDP */
    uint8_t openSocketClient(uint8_t socketId, bool protocol, char *host, uint16_t port);
    uint8_t send(uint8_t socketId, char *data);
    uint8_t send(uint8_t socketId, uint8_t *data, uint16_t length);
    uint8_t closeSocketClient(uint8_t socketId);

    /* TLS sockets and certificates */
    uint8_t manageSSL(uint8_t socketId, uint8_t action, uint8_t dataType);
    uint8_t manageSSL(uint8_t socketId, uint8_t action, uint8_t dataType, char *data);
    uint8_t openSocketSSL(uint8_t socketId, char *host, uint16_t port);
    uint8_t sendSSL(uint8_t socketId, char *data);
    uint8_t sendSSL(uint8_t socketId, uint8_t *data, uint16_t length);
    uint8_t receiveSSL(uint8_t socketId);
    uint8_t receiveSSL(uint8_t socketId, uint32_t timeout);
    uint8_t closeSocketSSL(uint8_t socketId);
};
extern Wasp4G _4G;

#endif
