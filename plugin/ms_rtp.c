/* ms_rtp.c: placeholder */
#include "ms_rtp.h"
