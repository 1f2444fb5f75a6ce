/* ms_spec.c: placeholder */
#include "ms_spec.h"
