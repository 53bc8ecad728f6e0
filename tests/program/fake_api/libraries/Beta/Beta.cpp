#include "Beta.h"

uint16_t beta_add(uint16_t a, uint16_t b)
{
  return a + b;
}
