/* ms_protocol.c: placeholder */
#include "ms_protocol.h"
