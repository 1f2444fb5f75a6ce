/* ms_slot.c: placeholder */
#include "ms_slot.h"
