#include "Waspmote.h"

static volatile uint16_t counter;

uint16_t fake_counter(void)
{
  return ++counter;
}
