/* ms_rewrite.c: placeholder */
#include "ms_rewrite.h"
