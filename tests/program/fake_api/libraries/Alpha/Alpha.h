#ifndef ALPHA_H
#define ALPHA_H
#include <stdint.h>
#include "../Beta/Beta.h"
class Alpha
{
public:
  uint16_t twice(uint16_t value);
};
extern Alpha alpha;
#endif
