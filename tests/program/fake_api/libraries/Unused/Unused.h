#ifndef UNUSED_H
#define UNUSED_H
int unused_function(void);
#endif
