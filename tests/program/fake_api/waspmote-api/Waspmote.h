/* Core header of the test tree: what every sketch sees. */
#ifndef FAKE_WASPMOTE_H
#define FAKE_WASPMOTE_H
#include <stdint.h>
#include "WaspConstants.h"
#ifdef __cplusplus
extern "C" {
#endif
void setup(void);
void loop(void);
uint16_t fake_counter(void);
#ifdef __cplusplus
}
#endif
#endif
