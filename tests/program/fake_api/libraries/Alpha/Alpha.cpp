#include "Alpha.h"

uint16_t Alpha::twice(uint16_t value)
{
  return beta_add(value, value);
}

Alpha alpha;
