#ifndef HEADER_ONLY_H
#define HEADER_ONLY_H
static inline int header_only(int value)
{
  return value + 1;
}
#endif
