/* ms_gop.c: placeholder */
#include "ms_gop.h"
