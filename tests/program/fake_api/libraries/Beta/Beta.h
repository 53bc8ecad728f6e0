#ifndef BETA_H
#define BETA_H
#include <stdint.h>
uint16_t beta_add(uint16_t a, uint16_t b);
#endif
