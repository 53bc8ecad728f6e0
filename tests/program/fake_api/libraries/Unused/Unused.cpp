#include "Unused.h"
this does not compile: no program includes Unused.h, so the builder must never compile it
