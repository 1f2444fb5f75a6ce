/* ms_h264.c: placeholder */
#include "ms_h264.h"
