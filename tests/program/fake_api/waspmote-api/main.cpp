#include "Waspmote.h"

int main(void)
{
  setup();
  for (;;)
  {
    loop();
  }
}
