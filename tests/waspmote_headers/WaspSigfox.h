/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPSIGFOX_H
#define OPENPCS_STUB_WASPSIGFOX_H

#include "Waspmote.h"

enum AnswersTypes
{
    SIGFOX_ANSWER_OK = 0,
    SIGFOX_ANSWER_ERROR = 1,
    SIGFOX_NO_ANSWER = 2
};

class WaspSigfox
{
public:
    uint8_t ON(uint8_t socket);
    uint8_t OFF(uint8_t socket);
    uint8_t send(char *data);  /* hex text, at most 12 bytes */
    uint8_t send(uint8_t *data, uint16_t length);
};
extern WaspSigfox Sigfox;

#endif
