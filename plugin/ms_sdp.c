/* ms_sdp.c: placeholder */
#include "ms_sdp.h"
